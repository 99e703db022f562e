/**
 * How to reach a bucket through the S3 API, decided from the destination and the environment alone
 * (no SDK needed, so it is unit-tested without one):
 *
 * - `s3://`: region from `?region=` (else `AWS_REGION` / `AWS_DEFAULT_REGION`, else us-east-1);
 *   credentials are the SDK's own default chain. The endpoint is `AWS_ENDPOINT_URL_S3` /
 *   `AWS_ENDPOINT_URL` as the SDK reads them, but taken from the environment given here and passed on,
 *   so a caller's own `env` decides (the SDK alone would read only `process.env`); `endpoint_url` in
 *   the shared config stays the SDK's. With such an endpoint the storage is S3-compatible (MinIO, Ceph,
 *   s3rver…), which rarely serves virtual-hosted bucket names, so path-style addressing is used.
 * - `r2://`: endpoint `https://<account-id>.r2.cloudflarestorage.com`, region `auto`, keys from
 *   `CLOUDFLARE_R2_ACCESS_KEY_ID` / `CLOUDFLARE_R2_SECRET_ACCESS_KEY`, else the AWS chain (an R2 API
 *   token's keys work in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` or a profile too).
 */
import { PcapStorageError } from "./errors";
import type { BucketLocation } from "./location";

/** R2's keys: an R2 API token's access key id and secret. */
export const R2_ACCESS_KEY_ID_VARIABLE = "CLOUDFLARE_R2_ACCESS_KEY_ID";
/** R2's secret access key variable (see {@link R2_ACCESS_KEY_ID_VARIABLE}). */
export const R2_SECRET_ACCESS_KEY_VARIABLE = "CLOUDFLARE_R2_SECRET_ACCESS_KEY";
/** The SDK's own endpoint variables, most specific first. */
export const S3_ENDPOINT_VARIABLES = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] as const;

const DEFAULT_S3_REGION = "us-east-1";
const AWS_CHAIN =
  "the AWS default credential chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, web identity, instance or container role)";

/** What the S3 client is built with; `credentials` only when not the SDK's default chain. */
export interface S3Settings {
  region: string;
  /** R2's, or an S3-compatible endpoint from the environment; otherwise the SDK's default. */
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Where the credentials come from, for messages (never their values). */
  credentialSource: string;
  /** Where requests go, for messages. */
  endpointSource: string;
}

/** The S3 client settings for an s3:// or r2:// location; throws a PcapStorageError for an unusable one. */
export function s3Settings(location: BucketLocation, env: NodeJS.ProcessEnv, operation: string): S3Settings {
  if (location.scheme === "r2") return r2Settings(location, env, operation);
  const region = location.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_S3_REGION;
  const endpointVariable = S3_ENDPOINT_VARIABLES.find((name) => nonEmpty(env[name]));
  return {
    region,
    ...(endpointVariable !== undefined ? { endpoint: env[endpointVariable] } : {}),
    forcePathStyle: endpointVariable !== undefined,
    credentialSource: AWS_CHAIN,
    endpointSource:
      endpointVariable === undefined
        ? `Amazon S3 in ${region}`
        : `the S3-compatible endpoint ${env[endpointVariable]} (from ${endpointVariable})`,
  };
}

function r2Settings(location: BucketLocation, env: NodeJS.ProcessEnv, operation: string): S3Settings {
  const accountId = location.r2AccountId;
  if (accountId === undefined || !/^[0-9a-f]{32}$/.test(accountId)) {
    throw new PcapStorageError(
      operation,
      location.display,
      `the destination ${location.destinationConf} has no valid ?account-id= (32 hex characters): it names ` +
        "the Cloudflare account that owns the R2 bucket, and R2's endpoint is built from it",
    );
  }
  const endpoint = `https://${accountId}.r2.cloudflarestorage.com`;
  const settings: S3Settings = {
    region: "auto",
    endpoint,
    forcePathStyle: true,
    credentialSource: AWS_CHAIN,
    endpointSource: `R2 at ${endpoint}`,
  };
  const accessKeyId = env[R2_ACCESS_KEY_ID_VARIABLE];
  const secretAccessKey = env[R2_SECRET_ACCESS_KEY_VARIABLE];
  if (nonEmpty(accessKeyId) && nonEmpty(secretAccessKey)) {
    settings.credentials = { accessKeyId, secretAccessKey };
    settings.credentialSource = `${R2_ACCESS_KEY_ID_VARIABLE} / ${R2_SECRET_ACCESS_KEY_VARIABLE}`;
  } else if (nonEmpty(accessKeyId) || nonEmpty(secretAccessKey)) {
    const missing = nonEmpty(accessKeyId) ? R2_SECRET_ACCESS_KEY_VARIABLE : R2_ACCESS_KEY_ID_VARIABLE;
    throw new PcapStorageError(
      operation,
      location.display,
      `${missing} is not set, but its partner is: set both to an R2 API token's access key id and ` +
        "secret, or neither to use the AWS default credential chain",
    );
  }
  return settings;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}
