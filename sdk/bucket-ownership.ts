import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "./shim";

/** Arguments of {@link BucketOwnership}. */
export interface BucketOwnershipArgs {
  /**
   * The bucket Cloudflare writes full captures to: `s3://<bucket>[/dir]?region=<region>`,
   * `gs://<bucket>[/dir]` or `r2://<bucket>[/dir]?account-id=<id>`. Changing it replaces the resource.
   */
  destinationConf: pulumi.Input<string>;
  /** The Cloudflare account (32 hex characters). Default: `cloudflare-pcap:accountId` or `CLOUDFLARE_ACCOUNT_ID`. Changing it replaces the resource. */
  accountId?: pulumi.Input<string>;
  /**
   * The contents of the challenge file Cloudflare wrote into the bucket (its name is the `filename`
   * output). When set, the registration is validated and the resource waits for `success`; changing it
   * validates again. Pass it as a secret if you treat it as one: it stays secret in state. To register
   * and validate in one `pulumi up`, leave it out here and use {@link BucketOwnershipValidation}.
   */
  ownershipChallenge?: pulumi.Input<string>;
  /**
   * Take over an existing registration of the same bucket instead of failing (there is no
   * `pulumi import` for dynamic resources). Destroying the resource then deletes that registration.
   */
  adopt?: pulumi.Input<boolean>;
  /** How long to wait for validation to reach `success` (1–86400 s). Default 900: Cloudflare can take ten minutes. */
  validationTimeoutSeconds?: pulumi.Input<number>;
}

/**
 * A bucket registered with Cloudflare for full packet captures (`POST /pcaps/ownership`).
 *
 * On create Cloudflare writes a challenge file into the bucket; with `ownershipChallenge` the resource
 * also validates it. On delete the registration is deleted (one already gone counts as deleted).
 * A validation that fails or times out leaves the registration in state, so the next `pulumi up`
 * validates again rather than registering twice. `refresh` shows status drift and drops a registration
 * deleted outside Pulumi.
 */
export class BucketOwnership extends pulumi.dynamic.Resource {
  /** The account the bucket is registered in. */
  declare readonly accountId: pulumi.Output<string>;
  /** The bucket URI, as given. */
  declare readonly destinationConf: pulumi.Output<string>;
  /** Name of the challenge file Cloudflare wrote into the bucket: read its contents to validate. */
  declare readonly filename: pulumi.Output<string>;
  /** `pending`, `success` or `failed` (Cloudflare may add values). */
  declare readonly status: pulumi.Output<string>;
  /** When the bucket was registered (RFC 3339). */
  declare readonly submitted: pulumi.Output<string | undefined>;
  /** When the bucket was validated (RFC 3339); absent until then. */
  declare readonly validated: pulumi.Output<string | undefined>;
  /** The challenge used to validate, when given (secret). */
  declare readonly ownershipChallenge: pulumi.Output<string | undefined>;

  constructor(name: string, args: BucketOwnershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("BucketOwnership"),
      name,
      {
        destinationConf: args.destinationConf,
        accountId: args.accountId,
        ownershipChallenge: args.ownershipChallenge,
        adopt: args.adopt,
        validationTimeoutSeconds: args.validationTimeoutSeconds,
        filename: undefined,
        status: undefined,
        submitted: undefined,
        validated: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "ownershipChallenge"] },
      "cloudflare-pcap",
      "BucketOwnership",
    );
  }
}
