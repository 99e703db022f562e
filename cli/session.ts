/**
 * A client for the account the command line names, from environment variables only. Like `withAccount`
 * in sdk/functions.ts, but without Pulumi: the CLI runs outside any stack (so there is no stack config to
 * read) and must work where only this package is installed.
 */
import {
  ID_FORM,
  isCloudflareId,
  PcapClient,
  PcapSettingsError,
  redact,
  type ClientLogEvent,
} from "../client";
import { ENV_VARS, resolveSettings } from "../provider/config";

export interface Session {
  client: PcapClient;
  accountId: string;
}

/**
 * Runs `use` with a client, closing its connections afterwards. Throws PcapSettingsError (or
 * resolveSettings' SettingsError) for missing settings.
 */
export async function withSession<T>(
  env: NodeJS.ProcessEnv,
  accountFlag: string | undefined,
  log: (event: ClientLogEvent) => void,
  use: (session: Session) => Promise<T>,
): Promise<T> {
  if (!env[ENV_VARS.apiToken]?.trim() && !env[ENV_VARS.apiKey]?.trim()) {
    // resolveSettings would also point at `pulumi config`, which the CLI does not read.
    throw new PcapSettingsError(
      `No Cloudflare credentials: set ${ENV_VARS.apiToken} to an API token, or ${ENV_VARS.apiKey} and ` +
        `${ENV_VARS.email} to a global API key and its email.`,
    );
  }
  const settings = resolveSettings(undefined, env);
  const accountId = accountFlag ?? settings.defaultAccountId;
  if (accountId === undefined) {
    throw new PcapSettingsError(
      `No Cloudflare account id: pass --account <id> or set ${ENV_VARS.accountId}.`,
    );
  }
  if (!isCloudflareId(accountId)) {
    throw new PcapSettingsError(
      `${ENV_VARS.accountId} "${accountId}" is not valid: Cloudflare account ids are ${ID_FORM}.`,
    );
  }
  const client = new PcapClient({
    credentials: settings.credentials,
    baseUrl: settings.baseUrl,
    rateLimit: settings.rateLimit,
    log,
  });
  try {
    return await use({ client, accountId });
  } finally {
    await client.close();
  }
}

/** The secret values in the environment: everything the CLI prints passes through {@link redact} with them. */
export function secretsIn(env: NodeJS.ProcessEnv): string[] {
  return [env[ENV_VARS.apiToken], env[ENV_VARS.apiKey]].filter((s): s is string => !!s && s.trim() !== "");
}

export { redact };
