/**
 * A local, stateful emulator of Cloudflare's PCAP API (see README.md next to this file). Start it with
 * `startEmulator()`, point a client at `handle.url` with `handle.token`, and use the handle to move the
 * emulated clock, inject faults, inspect and perturb state, and count requests.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CredentialStore } from "./auth";
import { Buckets } from "./buckets";
import { EmulatedClock } from "./clock";
import type { Context } from "./context";
import { RequestCounter } from "./counts";
import { FaultInjector } from "./faults";
import { Mutex } from "./mutex";
import {
  checkCredential,
  checkDownloadSize,
  parseRateLimit,
  resolveOptions,
  type CredentialGrant,
  type EmulatorOptions,
  type FaultOptions,
  type RateLimit,
} from "./options";
import { loadState, saveState } from "./persist";
import { RateLimiter } from "./rate-limit";
import { renderCapture, renderOwnership } from "./render";
import { API_PREFIX } from "./router";
import { createRequestListener, sweep } from "./server";
import { EmulatorState, type SavedIdentity } from "./state";
import type { WireCapture, WireOwnership } from "./wire";

export type {
  CredentialGrant,
  EmulatorOptions,
  FaultOptions,
  FinishedSimpleStatus,
  RateLimit,
  RequestLogEntry,
} from "./options";
export type { WireCapture, WireFilter, WireOwnership } from "./wire";
export { UNKNOWN_FIELDS } from "./unknown-fields";
export { CODES } from "./errors";
export { ROUTE_KEYS, type RouteKey } from "./counts";
export { parseRateLimit };

/** A running emulator: where it listens, its credential, and controls for tests. */
export interface EmulatorHandle {
  /** Base URL for clients: `http://<host>:<port>/client/v4`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The default credential (API token, and the legacy email + global key) and its account. */
  readonly token: string;
  readonly email: string;
  readonly apiKey: string;
  readonly accountId: string;
  /** Absolute data directory (buckets under `buckets/`, `state.json` when persisting). */
  readonly dataDir: string;
  /**
   * The one-simple-capture-per-minute rule in real seconds (its interval divided by the time scale; 0
   * when the rule is off): what a client that paces its requests, such as this package's provider
   * (`cloudflare-pcap:simpleCaptureIntervalSeconds`), must use against this emulator.
   */
  readonly simpleCaptureIntervalRealSeconds: number;
  /** Stops the server and every timer; removes the data directory if the emulator created it. */
  close(): Promise<void>;
  /** Emulated time, ms since the epoch. */
  now(): number;
  /** Moves the emulated clock ahead, then finishes every conversion that became due (files written). */
  advance(seconds: number): Promise<void>;
  /** Changes fault injection at runtime (unspecified fields keep their value; a new seed restarts the sequence). */
  setFaults(faults: FaultOptions): void;
  /** Changes the global rate limit (and forgets every window). */
  setRateLimit(limit: RateLimit | string): void;
  /** Forgets every rate-limit window (lifts lockouts). */
  resetRateLimits(): void;
  /** Sets (or clears, with undefined) the size of simple-capture downloads. */
  setDownloadSize(size: { packetCount?: number; bytes?: number }): void;
  /** Adds a credential (or more accounts to an existing one) at runtime. */
  grant(credential: CredentialGrant): void;
  /** Requests per route key (see ROUTE_KEYS; "OTHER" for unmatched). */
  requestCounts(): Record<string, number>;
  /** Answers per HTTP status ("200", "429", ...), plus "reset" and "dropped". */
  statusCounts(): Record<string, number>;
  /** Zeroes the request and status counters. */
  resetCounts(): void;
  /** Captures as GET /pcaps would answer now (default account), newest first. */
  captures(accountId?: string): WireCapture[];
  /** Ownerships as GET /pcaps/ownership would answer now (default account). */
  ownerships(accountId?: string): WireOwnership[];
  /**
   * The `packet_limit` a capture was created with (undefined when its request had none, as a full
   * capture may), which the wire never shows. Throws for a capture id unknown in the account (default
   * account) — including one that dropped off the 50-entry list.
   */
  requestedPacketLimit(captureId: string, accountId?: string): number | undefined;
  /** The directory a destination_conf maps to (throws for an invalid or unsafe one). */
  bucketDirectory(destinationConf: string): string;
  /** The token in the challenge file of the ownership registered for destinationConf (default account first). */
  readChallenge(destinationConf: string, accountId?: string): string;
  /** Removes an ownership as if deleted in the dashboard (the challenge file stays). False if unknown. */
  deleteOwnershipOutOfBand(id: string): Promise<boolean>;
  /** Sets an ownership's status as if changed outside the API (e.g. "failed" to break a bucket). */
  setOwnershipStatusOutOfBand(id: string, status: "pending" | "success" | "failed"): Promise<void>;
  /** Removes a capture as if it had dropped off the list. False if unknown. */
  deleteCaptureOutOfBand(id: string, accountId?: string): Promise<boolean>;
}

/** How often conversions are finished without requests, in real ms (files appear without polling). */
const SWEEP_INTERVAL_MS = 250;

/**
 * Starts the emulator on loopback (port 0 = a free port) and resolves once it listens. Call `close()` when
 * done: it stops every timer and removes a data directory it created.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  resolveOptions(options); // fail on bad options before touching the disk
  const ownsDataDir = options.dataDir === undefined;
  const dataDir =
    options.dataDir === undefined
      ? await mkdtemp(join(tmpdir(), "pcap-emulator-"))
      : resolve(options.dataDir);
  try {
    return await start(options, dataDir, ownsDataDir);
  } catch (error) {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function start(
  options: EmulatorOptions,
  dataDir: string,
  ownsDataDir: boolean,
): Promise<EmulatorHandle> {
  await mkdir(dataDir, { recursive: true });
  let state = new EmulatorState();
  let startMs = Date.now();
  let saved: SavedIdentity | undefined;
  if (options.persist) {
    const snapshot = await loadState(dataDir);
    if (snapshot !== undefined)
      ({ state, emulatedNowMs: startMs, identity: saved } = EmulatorState.fromSnapshot(snapshot));
  }
  // What the user did not choose comes from the previous run, so its clients keep working.
  const opts = resolveOptions({
    ...options,
    accountId: options.accountId ?? saved?.accountId,
    token: options.token ?? saved?.token,
    apiKey: options.apiKey ?? saved?.apiKey,
  });
  const identity: SavedIdentity = { accountId: opts.accountId };
  if (options.token === undefined) identity.token = opts.token;
  if (options.apiKey === undefined) identity.apiKey = opts.apiKey;
  state.account(opts.accountId);
  const clock = new EmulatedClock(opts.timeScale, startMs);
  const buckets = new Buckets(dataDir);
  await buckets.init();

  const ctx: Context = {
    state,
    clock,
    buckets,
    simpleCaptureIntervalSeconds: opts.simpleCaptureIntervalSeconds,
    validationDelaySeconds: opts.validationDelaySeconds,
    acceptFilenameChallenge: opts.acceptFilenameChallenge,
    download: { packetCount: opts.downloadPacketCount, bytes: opts.downloadBytes },
    shape: { finishedSimpleStatus: opts.finishedSimpleStatus, unknownFields: opts.unknownFields },
    persist: opts.persist
      ? () => saveState(dataDir, state.snapshot(clock.now(), identity))
      : async () => undefined,
  };
  const mutex = new Mutex();
  const credentials = new CredentialStore([
    { token: opts.token, email: opts.email, apiKey: opts.apiKey, accounts: [opts.accountId] },
    ...opts.credentials,
  ]);
  const limiter = new RateLimiter(opts.rateLimit);
  const faults = new FaultInjector(opts.faults);
  const counter = new RequestCounter();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer(
    createRequestListener({
      ctx,
      mutex,
      credentials,
      limiter,
      faults,
      counter,
      maxBodyBytes: opts.maxBodyBytes,
      rateLimitHeadersOnEveryAnswer: opts.rateLimitHeaders === "every-answer",
      log: opts.log,
      timers,
    }),
  );
  await listen(server, opts.port, opts.host);
  if (opts.persist) await mutex.run(() => ctx.persist());

  // Finishes conversions in the background; unref'd so it never keeps a process (or jest) alive.
  let sweeping = false;
  const ticker = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void mutex
      .run(() => sweep(ctx))
      .catch(() => undefined)
      .finally(() => (sweeping = false));
  }, SWEEP_INTERVAL_MS);
  ticker.unref();

  const { port } = server.address() as AddressInfo;
  const urlHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const accountOf = (accountId?: string) => accountId ?? opts.accountId;
  let closed: Promise<void> | undefined;

  const handle: EmulatorHandle = {
    url: `http://${urlHost}:${port}${API_PREFIX}`,
    host: opts.host,
    port,
    token: opts.token,
    email: opts.email,
    apiKey: opts.apiKey,
    accountId: opts.accountId,
    dataDir,
    simpleCaptureIntervalRealSeconds: opts.simpleCaptureIntervalSeconds / opts.timeScale,
    close() {
      closed ??= (async () => {
        clearInterval(ticker);
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        const stopped = new Promise<void>((done) => server.close(() => done()));
        server.closeAllConnections();
        await stopped;
        // Let a conversion or persist in flight finish before its directory may disappear, and save the
        // clock so a restart resumes from this moment.
        // Best effort: the directory may already be gone, and close() must still close.
        await mutex.run(() => ctx.persist()).catch(() => undefined);
        if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
    now: () => clock.now(),
    async advance(seconds) {
      clock.advance(seconds);
      await mutex.run(() => sweep(ctx));
    },
    setFaults: (f) => faults.set(f),
    setRateLimit: (limit) => limiter.setLimit(typeof limit === "string" ? parseRateLimit(limit) : limit),
    resetRateLimits: () => limiter.reset(),
    setDownloadSize(size) {
      checkDownloadSize(size.packetCount, size.bytes);
      ctx.download = { packetCount: size.packetCount, bytes: size.bytes };
    },
    grant: (credential) => {
      checkCredential(credential);
      credentials.grant(credential);
    },
    requestCounts: () => counter.byRoute(),
    statusCounts: () => counter.byOutcome(),
    resetCounts: () => counter.reset(),
    captures: (accountId) =>
      state.account(accountOf(accountId)).captures.map((c) => renderCapture(c, clock.now(), ctx.shape)),
    ownerships: (accountId) =>
      state.account(accountOf(accountId)).ownerships.map((o) => renderOwnership(o, clock.now(), ctx.shape)),
    requestedPacketLimit(captureId, accountId) {
      const capture = state.findCapture(accountOf(accountId), captureId);
      if (!capture) throw new Error(`no capture ${captureId} in account ${accountOf(accountId)}`);
      return capture.packetLimit;
    },
    bucketDirectory: (destinationConf) => buckets.directoryOf(destinationConf),
    readChallenge(destinationConf, accountId) {
      const accounts = [accountOf(accountId), ...state.accountIds()];
      for (const id of accounts) {
        const found = state.account(id).ownerships.find((o) => o.destinationConf === destinationConf);
        if (found) return buckets.readChallenge(destinationConf, found.filename);
      }
      throw new Error(`no ownership is registered for ${destinationConf}`);
    },
    deleteOwnershipOutOfBand: (id) =>
      mutex.run(async () => {
        const found = state.findOwnershipById(id);
        if (!found) return false;
        state.removeOwnership(found[0], id);
        await ctx.persist();
        return true;
      }),
    setOwnershipStatusOutOfBand: (id, status) =>
      mutex.run(async () => {
        const found = state.findOwnershipById(id);
        if (!found) throw new Error(`no ownership ${id}`);
        const ownership = found[1];
        ownership.status = status;
        if (status === "success")
          ownership.validatedMs = Math.min(ownership.validatedMs ?? clock.now(), clock.now());
        else delete ownership.validatedMs;
        await ctx.persist();
      }),
    deleteCaptureOutOfBand: (id, accountId) =>
      mutex.run(async () => {
        const removed = state.removeCapture(accountOf(accountId), id);
        if (removed) await ctx.persist();
        return removed;
      }),
  };
  return handle;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
}
