/**
 * Invoke-style functions: they run in the program's own process (not the plugin), with the same
 * settings as the resources — stack config first, then environment variables.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DownloadProgress, DownloadResult } from "../client/download";
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
  /** The id of a finished simple capture. */
  id: string;
  /** Where to write the pcap file; missing directories are created. */
  path: string;
  /** Called as bytes arrive. */
  onProgress?: (progress: DownloadProgress) => void;
}

/**
 * Streams a finished simple capture's pcap file to `path`. The file is written under a temporary name
 * and renamed when complete and checked, so a failed download never leaves a truncated `.pcap` behind.
 * Full captures are not downloadable: their files are in the bucket of `destinationConf`.
 */
export function downloadPacketCapture(args: DownloadPacketCaptureArgs): Promise<DownloadResult> {
  return withAccount(args.accountId, (client, accountId) =>
    client.downloadCapture(accountId, args.id, args.path, { onProgress: args.onProgress }),
  );
}
