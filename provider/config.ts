/**
 * Settings of the provider, resolved inside the plugin process (never captured into state): stack
 * config first — the same keys as the official Cloudflare provider — then environment variables.
 */
import type { Credentials } from "../client/credentials";
import { PcapSettingsError } from "../client/errors";
import { DEFAULT_BASE_URL } from "../client/http";
import { DEFAULT_RATE_LIMIT, parseRateLimit, type RateLimitBudget } from "../client/rate-limiter";
import { SIMPLE_CAPTURE_INTERVAL_SECONDS } from "../client/rules";

/** Read access to stack config, as `configure()` receives it (`<namespace>:<key>` names). */
export interface ConfigSource {
  /** The value of a `<namespace>:<key>` config key, or undefined. */
  get(key: string): string | undefined;
}

/** Everything the provider needs to reach the API, resolved from config and environment. */
export interface Settings {
  credentials: Credentials;
  baseUrl: string;
  /** The account resources use when they name none. */
  defaultAccountId: string | undefined;
  rateLimit: RateLimitBudget;
  /**
   * Seconds between simple capture requests of one account: Cloudflare's one-per-minute rule, applied
   * before the request. Only an emulator with a faster clock or another rule needs a different value.
   */
  simpleCaptureIntervalSeconds: number;
}

/** The stack config keys the provider reads (the official Cloudflare provider's, plus this package's). */
export const CONFIG_KEYS = {
  apiToken: "cloudflare:apiToken",
  apiKey: "cloudflare:apiKey",
  email: "cloudflare:email",
  baseUrl: "cloudflare:baseUrl",
  accountId: "cloudflare-pcap:accountId",
  rateLimit: "cloudflare-pcap:rateLimit",
  simpleCaptureIntervalSeconds: "cloudflare-pcap:simpleCaptureIntervalSeconds",
} as const;

/** The environment variables that fill in what stack config leaves out. */
export const ENV_VARS = {
  apiToken: "CLOUDFLARE_API_TOKEN",
  apiKey: "CLOUDFLARE_API_KEY",
  email: "CLOUDFLARE_EMAIL",
  baseUrl: "CLOUDFLARE_BASE_URL",
  accountId: "CLOUDFLARE_ACCOUNT_ID",
  rateLimit: "CLOUDFLARE_PCAP_RATE_LIMIT",
  simpleCaptureIntervalSeconds: "CLOUDFLARE_PCAP_SIMPLE_CAPTURE_INTERVAL_SECONDS",
} as const;

/**
 * Thrown when settings are missing or malformed; the message lists every way to supply them. The
 * client's settings error (one error hierarchy), under the name 0.1.0 exported.
 */
export { PcapSettingsError as SettingsError };

/**
 * Resolves the settings: stack config first, then environment variables. Throws a {@link SettingsError}
 * naming every way to supply what is missing.
 */
export function resolveSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): Settings {
  const read = (key: keyof typeof CONFIG_KEYS): string | undefined =>
    nonEmpty(config?.get(CONFIG_KEYS[key])) ?? nonEmpty(env[ENV_VARS[key]]);
  const fromConfig = (key: keyof typeof CONFIG_KEYS) => nonEmpty(config?.get(CONFIG_KEYS[key]));

  // A credential kind given in config wins over any kind in the environment, so a stack's config is
  // never silently overridden by a token that happens to be exported in the shell.
  let credentials: Credentials | undefined;
  const configToken = fromConfig("apiToken");
  const configKey = fromConfig("apiKey");
  const envToken = nonEmpty(env[ENV_VARS.apiToken]);
  const envKey = nonEmpty(env[ENV_VARS.apiKey]);
  if (configToken) credentials = { apiToken: configToken };
  else if (configKey) credentials = keyCredentials(configKey, read("email"));
  else if (envToken) credentials = { apiToken: envToken };
  else if (envKey) credentials = keyCredentials(envKey, read("email"));
  if (!credentials) {
    throw new PcapSettingsError(
      "No Cloudflare credentials: set an API token with `pulumi config set --secret " +
        `${CONFIG_KEYS.apiToken} <token>\` or the ${ENV_VARS.apiToken} environment variable; or a global ` +
        `key with ${CONFIG_KEYS.apiKey} + ${CONFIG_KEYS.email} (or ${ENV_VARS.apiKey} + ${ENV_VARS.email}).`,
    );
  }

  const rateLimitText = read("rateLimit");
  let rateLimit = DEFAULT_RATE_LIMIT;
  if (rateLimitText) {
    try {
      rateLimit = parseRateLimit(rateLimitText, `${CONFIG_KEYS.rateLimit} / ${ENV_VARS.rateLimit}`);
    } catch (err) {
      throw new PcapSettingsError(err instanceof Error ? err.message : String(err));
    }
  }

  return {
    credentials,
    baseUrl: read("baseUrl") ?? DEFAULT_BASE_URL,
    defaultAccountId: defaultAccountId(config, env),
    rateLimit,
    simpleCaptureIntervalSeconds: intervalSeconds(read("simpleCaptureIntervalSeconds")),
  };
}

function intervalSeconds(text: string | undefined): number {
  if (text === undefined) return SIMPLE_CAPTURE_INTERVAL_SECONDS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new PcapSettingsError(
      `${CONFIG_KEYS.simpleCaptureIntervalSeconds} / ${ENV_VARS.simpleCaptureIntervalSeconds} must be seconds from 0 to 3600 ` +
        `(Cloudflare's rule is ${SIMPLE_CAPTURE_INTERVAL_SECONDS}; 0 sends without pacing), not ${JSON.stringify(text)}`,
    );
  }
  return seconds;
}

/** The configured default account, read without needing credentials (diff has none to spare). */
export function defaultAccountId(
  config: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  return nonEmpty(config?.get(CONFIG_KEYS.accountId)) ?? nonEmpty(env[ENV_VARS.accountId]);
}

/** The account a resource uses: its own `accountId`, else the configured default. */
export function resolveAccountId(
  settings: Pick<Settings, "defaultAccountId">,
  accountId: string | undefined,
): string {
  const id = accountId ?? settings.defaultAccountId;
  if (!id) {
    throw new PcapSettingsError(
      `No Cloudflare account id: set \`accountId\` on the resource, or \`pulumi config set ${CONFIG_KEYS.accountId} <id>\`, ` +
        `or the ${ENV_VARS.accountId} environment variable.`,
    );
  }
  return id;
}

function keyCredentials(apiKey: string, email: string | undefined): Credentials {
  if (!email) {
    throw new PcapSettingsError(
      `A Cloudflare global API key needs the account's email too: set ${CONFIG_KEYS.email} or ${ENV_VARS.email}, ` +
        `or use an API token instead (${CONFIG_KEYS.apiToken} / ${ENV_VARS.apiToken}).`,
    );
  }
  return { email, apiKey };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
/** The stack config of a configure request (`{ config }`, readable by `<namespace>:<key>`). */
export function configSourceOf(request: unknown): ConfigSource | undefined {
  const config = isObject(request) ? Reflect.get(request, "config") : undefined;
  const get: unknown = isObject(config) ? Reflect.get(config, "get") : undefined;
  if (!isObject(config) || typeof get !== "function") return undefined;
  return {
    get(key) {
      const value: unknown = Reflect.apply(get, config, [key]);
      return typeof value === "string" ? value : undefined;
    },
  };
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
