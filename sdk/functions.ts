/**
 * Invoke-style functions: they run in the program's own process (not the plugin), with the same
 * settings as the resources — stack config first, then environment variables.
 */
import * as pulumi from "@pulumi/pulumi";
import type { BucketOwnership as BucketOwnershipInfo } from "../provider/api/types";
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
