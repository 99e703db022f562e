/**
 * What the provider keeps while the plugin process lives, built from the stack config `configure`
 * receives: the settings (resolved at each call, so the environment is read inside methods), one API
 * client per distinct settings, the lists shared by the reads of a refresh, the captures this process
 * made or took, and Cloudflare's capture rules applied before requests. Credentials live only here, in
 * memory.
 */
import { createHash } from "node:crypto";
import { PcapClient } from "../client/client";
import type { BucketOwnership, Capture } from "../client/types";
import { FullCaptureSlots, SimpleCaptureQueue } from "./capture/slots";
import {
  CONFIG_KEYS,
  defaultAccountId,
  resolveAccountId,
  resolveSettings,
  type ConfigSource,
  type Settings,
} from "./config";
import { logLine } from "./log";
import { SharedList } from "./shared-list";

/** One account of a runtime: where a resource's calls go. */
export interface Account {
  readonly runtime: Runtime;
  readonly client: PcapClient;
  /** The account id: the resource's own, else the configured default. */
  readonly id: string;
  readonly settings: Settings;
}

export class Runtime {
  /** Capture lists shared by the reads of a refresh; dropped on every create and stop. */
  readonly captureList = new SharedList<Capture>();
  /** Ownership lists shared by reads (the API has no "get one ownership"); dropped on every change. */
  readonly ownershipList = new SharedList<BucketOwnership>();
  /** Captures created or taken over after a lost answer: a lost answer never matches one twice. */
  readonly claimedCaptureIds = new Set<string>();
  /** Cloudflare's one simple capture request per minute per account, as a queue. */
  readonly simpleCaptureQueue = new SimpleCaptureQueue();
  /** Cloudflare's one pending or running full capture per account, as this process knows it. */
  readonly fullCaptureSlots = new FullCaptureSlots();
  private readonly clients = new Map<string, PcapClient>();

  constructor(private readonly config: ConfigSource | undefined) {}

  /** The client and account for a resource. Reads the environment now, not when the runtime was built. */
  account(accountId: string | undefined): Account {
    const settings = resolveSettings(this.config, process.env);
    return {
      runtime: this,
      client: this.clientFor(settings),
      id: resolveAccountId(settings, accountId),
      settings,
    };
  }

  /** The account a resource would use, without credentials or a client (diff has none to spare). */
  accountIdFor(accountId: string | undefined): string {
    return resolveAccountId({ defaultAccountId: defaultAccountId(this.config, process.env) }, accountId);
  }

  private clientFor(settings: Settings): PcapClient {
    const key = fingerprint(settings);
    let client = this.clients.get(key);
    if (!client) {
      client = new PcapClient({
        credentials: settings.credentials,
        baseUrl: settings.baseUrl,
        rateLimit: settings.rateLimit,
        log: (event) => logLine(event.message),
      });
      this.clients.set(key, client);
    }
    return client;
  }
}

function fingerprint(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

// ---- the process's runtimes ----
//
// Module-level on purpose, and the only provider state that is: the plugin process serves every dynamic
// resource of a deployment, and calls `configure` once per distinct `__provider` text (once per kind,
// and once more for state written by another version), each time with the same stack config. A runtime
// per distinct config lets all of those share one runtime, which the capture rules need: the
// one-per-minute queue, the full-capture slot and the claimed ids are per account, whatever the kind
// or version that asks. Methods called before any `configure` (a direct call, as tests make) use the
// runtime of no config: settings from the environment only.

const runtimes = new Map<string, Runtime>();
/** The runtime of the config the plugin was configured with (it has one config for its whole life). */
let configured: Runtime | undefined;

function runtimeOf(config: ConfigSource | undefined): Runtime {
  const key = fingerprint(
    config ? Object.values(CONFIG_KEYS).map((name) => [name, config.get(name) ?? null]) : null,
  );
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = new Runtime(config);
    runtimes.set(key, runtime);
  }
  return runtime;
}

/** Called by every kind's `configure` with the stack config; the same config yields the same runtime. */
export function configureRuntime(config: ConfigSource): Runtime {
  configured = runtimeOf(config);
  return configured;
}

/** The runtime for a call: the configured one, else the one of no config. */
export function currentRuntime(): Runtime {
  return configured ?? runtimeOf(undefined);
}
