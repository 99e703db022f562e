import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "./shim";

/** Arguments of {@link BucketOwnershipValidation}. */
export interface BucketOwnershipValidationArgs {
  /** The registered bucket: pass `bucketOwnership.destinationConf` so registration happens first. Changing it replaces. */
  destinationConf: pulumi.Input<string>;
  /**
   * The contents of the challenge file (see {@link BucketOwnership.filename}), e.g. read from S3 with
   * `aws.s3.getObjectOutput(...).body`. Changing it validates again. Stays secret in state when given as one.
   */
  ownershipChallenge: pulumi.Input<string>;
  /** The Cloudflare account. Default: `cloudflare-pcap:accountId` or `CLOUDFLARE_ACCOUNT_ID`. Changing it replaces. */
  accountId?: pulumi.Input<string>;
  /** How long to wait for `success` (1–86400 s). Default 900. */
  validationTimeoutSeconds?: pulumi.Input<number>;
}

/**
 * Validates a bucket registered by a {@link BucketOwnership} (`POST /pcaps/ownership/validate`) and
 * waits for `success`: the certificate-validation pattern, so that one `pulumi up` can register a
 * bucket, read the challenge file Cloudflare wrote into it, and validate.
 *
 * Deleting this resource removes nothing on Cloudflare: the registration belongs to the
 * BucketOwnership, and its deletion is what unregisters the bucket. A failed or timed-out validation
 * stays in state, and the next `pulumi up` validates again.
 */
export class BucketOwnershipValidation extends pulumi.dynamic.Resource {
  /** Id of the validated registration. */
  declare readonly ownershipId: pulumi.Output<string>;
  /** `success` once validated. */
  declare readonly status: pulumi.Output<string>;
  /** When the bucket was validated (RFC 3339). */
  declare readonly validated: pulumi.Output<string | undefined>;
  declare readonly destinationConf: pulumi.Output<string>;
  declare readonly accountId: pulumi.Output<string>;
  /** The challenge used (secret). */
  declare readonly ownershipChallenge: pulumi.Output<string>;

  constructor(name: string, args: BucketOwnershipValidationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("BucketOwnershipValidation"),
      name,
      {
        destinationConf: args.destinationConf,
        ownershipChallenge: args.ownershipChallenge,
        accountId: args.accountId,
        validationTimeoutSeconds: args.validationTimeoutSeconds,
        ownershipId: undefined,
        status: undefined,
        validated: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "ownershipChallenge"] },
      "cloudflare-pcap",
      "BucketOwnershipValidation",
    );
  }
}
