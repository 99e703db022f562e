/**
 * Process-wide state of the dynamic-provider plugin: the stack config handed to `configure()`, and one
 * API client per distinct settings, so every resource of a deployment shares connections and the rate
 * limiter. Credentials live only here, in memory.
 */
import { createHash } from "node:crypto";
import { PcapClient } from "../client/client";
import {
  defaultAccountId,
  resolveAccountId,
  resolveSettings,
  type ConfigSource,
  type Settings,
} from "./config";
import { logLine } from "./log";

let configured: ConfigSource | undefined;
const clients = new Map<string, PcapClient>();

/** Called from each provider's `configure()`; the engine passes the whole stack config. */
export function configureProvider(config: ConfigSource): void {
  configured = config;
}

export interface AccountContext {
  client: PcapClient;
  accountId: string;
  settings: Settings;
}

/** The client and account for a resource. Reads the environment now, not when the module loaded. */
export function contextFor(accountId: string | undefined): AccountContext {
  const settings = resolveSettings(configured, process.env);
  return { client: clientFor(settings), accountId: resolveAccountId(settings, accountId), settings };
}

/** The account a resource would use, without building a client (for diff). */
export function accountIdFor(accountId: string | undefined): string {
  return resolveAccountId({ defaultAccountId: defaultAccountId(configured, process.env) }, accountId);
}

function clientFor(settings: Settings): PcapClient {
  const key = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
  let client = clients.get(key);
  if (!client) {
    client = new PcapClient({
      credentials: settings.credentials,
      baseUrl: settings.baseUrl,
      rateLimit: settings.rateLimit,
      log: (event) => logLine(event.message),
    });
    clients.set(key, client);
  }
  return client;
}
