/**
 * Invoke-style functions: they run in the program's own process (not the plugin), with the same
 * settings as the resources — stack config first, then environment variables.
 */
import * as pulumi from "@pulumi/pulumi";
import type { SaveProgress, SaveResult } from "../client/save-capture";
import type { BucketOwnership as BucketOwnershipInfo, Capture } from "../client/types";
import type * as providerModule from "../provider";

/** Arguments shared by the read functions. */
export interface AccountArgs {
  /** The Cloudflare account. Default: `cloudflare-pcap:accountId` or `CLOUDFLARE_ACCOUNT_ID`. */
  accountId?: string;
}

/** Loaded on first use, so that importing the SDK never loads provider code at module level. */
function provider(): typeof providerModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("../provider") as typeof providerModule;
}

const stackConfig = {
  get(key: string): string | undefined {
    const [namespace, name] = key.split(":");
    return new pulumi.Config(namespace).get(name);
  },
};

/** Runs `use` with a client for the resolved account, closing its connections afterwards. */
export async function withAccount<T>(
  accountId: string | undefined,
  use: (client: providerModule.PcapClient, accountId: string) => Promise<T>,
): Promise<T> {
  const { PcapClient, resolveSettings, resolveAccountId } = provider();
  const settings = resolveSettings(stackConfig, process.env);
  const client = new PcapClient({
    credentials: settings.credentials,
    baseUrl: settings.baseUrl,
    rateLimit: settings.rateLimit,
  });
  try {
    return await use(client, resolveAccountId(settings, accountId));
  } finally {
    await client.close();
  }
}

/** The buckets registered for full captures in the account, with their validation status. */
export function getBucketOwnerships(args: AccountArgs = {}): Promise<BucketOwnershipInfo[]> {
  return withAccount(args.accountId, (client, accountId) => client.listOwnerships(accountId));
}

/** {@link getBucketOwnerships} as an Output, for use with other resources' outputs. */
export function getBucketOwnershipsOutput(
  args: pulumi.Input<AccountArgs> = {},
): pulumi.Output<BucketOwnershipInfo[]> {
  return pulumi.output(args).apply((resolved) => getBucketOwnerships(resolved));
}

/** The account's packet captures, newest first (the API keeps the 50 newest). */
export function getPacketCaptures(args: AccountArgs = {}): Promise<Capture[]> {
  return withAccount(args.accountId, (client, accountId) => client.listCaptures(accountId));
}

/** {@link getPacketCaptures} as an Output. */
export function getPacketCapturesOutput(args: pulumi.Input<AccountArgs> = {}): pulumi.Output<Capture[]> {
  return pulumi.output(args).apply((resolved) => getPacketCaptures(resolved));
}

/** Arguments of {@link getPacketCapture}. */
export interface GetPacketCaptureArgs extends AccountArgs {
  /** The capture id (32 hex characters). */
  id: string;
}

/** One packet capture, with its current status. */
export function getPacketCapture(args: GetPacketCaptureArgs): Promise<Capture> {
  return withAccount(args.accountId, (client, accountId) => client.getCapture(accountId, args.id));
}

/** {@link getPacketCapture} as an Output, e.g. `getPacketCaptureOutput({ id: capture.id })`. */
export function getPacketCaptureOutput(args: pulumi.Input<GetPacketCaptureArgs>): pulumi.Output<Capture> {
  return pulumi.output(args).apply((resolved) => getPacketCapture(resolved as GetPacketCaptureArgs));
}

/** Arguments of {@link downloadPacketCapture}. */
export interface DownloadPacketCaptureArgs extends AccountArgs {
  /** The id of a finished capture, simple or full. */
  id: string;
  /** Where to write the pcap file; missing directories are created. */
  path: string;
  /**
   * Called as it goes: every step has `bytes` (and `totalBytes` where known); `stage` says which step
   * (`downloading`, or for a full capture `listing`, `fetching` part n of m, `merging`).
   */
  onProgress?: (progress: SaveProgress) => void;
  /** Aborts; nothing is left at `path` or beside it. */
  signal?: AbortSignal;
}

/**
 * Writes a finished capture to `path` as one pcap file. A simple capture is streamed from the API. A full
 * capture's files (`pcap_<id>…pcap`, one per edge server) are listed in the bucket of its
 * `destinationConf`, fetched and merged in timestamp order; this needs the optional package
 * `@aws-sdk/client-s3` (s3:// with the AWS default credentials, `AWS_ENDPOINT_URL_S3` for S3-compatible
 * storage; r2:// with `CLOUDFLARE_R2_ACCESS_KEY_ID` / `CLOUDFLARE_R2_SECRET_ACCESS_KEY`); gs:// is refused
 * with the `gcloud storage cp` command that fetches the files instead. The file is written under a
 * temporary name and renamed when complete and checked, so a failure never leaves a truncated `.pcap`.
 * The result names the parts merged (`parts`, empty for a simple capture).
 */
export function downloadPacketCapture(args: DownloadPacketCaptureArgs): Promise<SaveResult> {
  return withAccount(args.accountId, (client, accountId) =>
    provider().saveCapture(client, accountId, args.id, args.path, {
      onProgress: args.onProgress,
      signal: args.signal,
    }),
  );
}
