/**
 * The emulator's options: their public shape, defaults, and the one place they are checked, so both the
 * programmatic API and the CLI reject a bad value with the same message before anything starts.
 */
import { randomBytes } from "node:crypto";

/** A credential and the accounts it may use; give `token`, or `email` + `apiKey`, or both. */
export interface CredentialGrant {
  /** An API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** A legacy global key's email, sent as `X-Auth-Email`. */
  email?: string;
  /** A legacy global key, sent as `X-Auth-Key`. */
  apiKey?: string;
  /** Account ids (32 lowercase hex) this credential may use; others answer 403 code 10000. */
  accounts: string[];
}

/** A request budget: at most `requests` in a window of `seconds`. */
export interface RateLimit {
  requests: number;
  seconds: number;
}

/** Injected failures; decided per request from a seeded generator, so a run is reproducible. */
export interface FaultOptions {
  /** Seed of the fault generator; same seed and same request order → same faults. Default "pcap-emulator". */
  seed?: string;
  /** Fraction (0–1) of requests answered 500 or 503 (with an envelope) before anything is applied. */
  errorRate?: number;
  /** Fraction (0–1) of requests whose connection is destroyed without an answer, before applying. */
  resetRate?: number;
  /** Milliseconds added before every request is handled. */
  latencyMs?: number;
  /** Fraction (0–1) of POST/PUT/DELETE requests applied (and persisted) whose answer is then dropped. */
  dropAfterApplyRate?: number;
}

/** One line of the request log. Never carries a credential or a body. */
export interface RequestLogEntry {
  method: string;
  /** The route key (as in `requestCounts()`), or "OTHER". */
  route: string;
  path: string;
  /** HTTP status, or "reset" / "dropped" when the connection was destroyed by a fault. */
  status: number | "reset" | "dropped";
  durationMs: number;
  /** For 5xx answers the emulator did not inject: what went wrong inside it. */
  error?: string;
}

/** Options of {@link startEmulator}; every one optional (see emulator/README.md). */
export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Where buckets (and state.json) live; default a fresh temp directory that close() removes. */
  dataDir?: string;
  /** Keep state in `<dataDir>/state.json`, written before each answer; loaded on start. */
  persist?: boolean;
  /** The default credential's API token; default random 40 characters. */
  token?: string;
  /** The default account id; default random 32 hex. */
  accountId?: string;
  /** The default credential's legacy email; default "emulator@example.com". */
  email?: string;
  /** The default credential's legacy global key; default random 37 hex. */
  apiKey?: string;
  /** More credentials, each with its own accounts (the default credential only sees `accountId`). */
  credentials?: CredentialGrant[];
  /** Emulated seconds per real second; default 1. */
  timeScale?: number;
  /** Per-credential limit in real time, `{requests, seconds}` or "<requests>/<seconds>"; default 1200/300. */
  rateLimit?: RateLimit | string;
  /** Emulated seconds between two simple captures of an account; default 60; 0 disables the rule. */
  simpleCaptureIntervalSeconds?: number;
  /** Emulated seconds a correctly validated ownership stays `pending`; default 0. */
  validationDelaySeconds?: number;
  faults?: FaultOptions;
  /** Also accept the challenge *filename* as `ownership_challenge` (the schema's older reading). */
  acceptFilenameChallenge?: boolean;
  /**
   * Which answers carry `x-ratelimit-*` headers: `"every-answer"` (default) or `"429-only"`, the only
   * case the public sources confirm — for testing clients that cannot see the window filling up.
   */
  rateLimitHeaders?: "every-answer" | "429-only";
  /** Packets in every simple capture's download, overriding min(packet_limit, time_limit × 20). */
  downloadPacketCount?: number;
  /**
   * Size in bytes of every simple capture's download (e.g. 2 ** 30 for a benchmark), exact or short by
   * less than one record; wins over downloadPacketCount.
   */
  downloadBytes?: number;
  /** Largest accepted request body in bytes; default 65536. */
  maxBodyBytes?: number;
  /**
   * The status a finished simple capture is reported with: `"success"` (default; the docs' word) or
   * `"complete"` (also in the SDK's status enum). Either way it can be downloaded.
   */
  finishedSimpleStatus?: FinishedSimpleStatus;
  /**
   * Add fields no client knows (`UNKNOWN_FIELDS`) to every capture and ownership object; default true,
   * because the API may grow any time and clients must shrug that off. False sends the declared fields only.
   */
  unknownFields?: boolean;
  /** Called once per request after it was answered (or dropped). */
  log?: (entry: RequestLogEntry) => void;
}

/** The two statuses of a finished simple capture: the docs say "success", the SDK also lists "complete". */
export type FinishedSimpleStatus = "success" | "complete";
export const FINISHED_SIMPLE_STATUSES: readonly FinishedSimpleStatus[] = ["success", "complete"];

/** Options after defaults and checks; what the rest of the emulator reads. */
export interface ResolvedOptions {
  port: number;
  host: string;
  dataDir: string | undefined;
  persist: boolean;
  token: string;
  accountId: string;
  email: string;
  apiKey: string;
  credentials: CredentialGrant[];
  timeScale: number;
  rateLimit: RateLimit;
  simpleCaptureIntervalSeconds: number;
  validationDelaySeconds: number;
  faults: Required<FaultOptions>;
  acceptFilenameChallenge: boolean;
  rateLimitHeaders: "every-answer" | "429-only";
  downloadPacketCount: number | undefined;
  downloadBytes: number | undefined;
  maxBodyBytes: number;
  finishedSimpleStatus: FinishedSimpleStatus;
  unknownFields: boolean;
  log: ((entry: RequestLogEntry) => void) | undefined;
}

export const ID_PATTERN = /^[0-9a-f]{32}$/;
export const DEFAULT_RATE_LIMIT: RateLimit = { requests: 1200, seconds: 300 };
export const DEFAULT_FAULTS: Required<FaultOptions> = {
  seed: "pcap-emulator",
  errorRate: 0,
  resetRate: 0,
  latencyMs: 0,
  dropAfterApplyRate: 0,
};

/** A random 32-hex id, the shape of every Cloudflare id. */
export function randomId(): string {
  return randomBytes(16).toString("hex");
}

/** Parses "<requests>/<seconds>", e.g. "1200/300"; throws naming the expected form. */
export function parseRateLimit(text: string): RateLimit {
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text.trim());
  const limit = match ? { requests: Number(match[1]), seconds: Number(match[2]) } : undefined;
  if (!limit || limit.requests < 1 || limit.seconds <= 0) {
    throw new TypeError(`rateLimit "${text}" is not <requests>/<seconds> with requests ≥ 1 and seconds > 0`);
  }
  return limit;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new TypeError(message);
}

function isRate(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 1;
}

/** Checks fault rates; shared by the start options and `setFaults`. */
export function resolveFaults(faults: FaultOptions, base: Required<FaultOptions> = DEFAULT_FAULTS) {
  const merged = { ...base, ...stripUndefined(faults) };
  check(typeof merged.seed === "string", "faults.seed must be a string");
  for (const key of ["errorRate", "resetRate", "dropAfterApplyRate"] as const) {
    check(isRate(merged[key]), `faults.${key} must be a number from 0 to 1`);
  }
  check(Number.isFinite(merged.latencyMs) && merged.latencyMs >= 0, "faults.latencyMs must be a number ≥ 0");
  return merged;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Throws unless a credential is usable: token, or email + apiKey, and well-formed account ids. */
export function checkCredential(grant: CredentialGrant): void {
  check(
    grant.token !== undefined || (grant.email !== undefined && grant.apiKey !== undefined),
    "each credential needs token, or email and apiKey",
  );
  check(
    Array.isArray(grant.accounts) && grant.accounts.every((a) => ID_PATTERN.test(a)),
    "credential accounts must be 32-hex ids",
  );
}

export function checkDownloadSize(packetCount: number | undefined, bytes: number | undefined): void {
  check(
    packetCount === undefined || (Number.isSafeInteger(packetCount) && packetCount >= 0),
    "downloadPacketCount must be an integer ≥ 0",
  );
  check(
    bytes === undefined || (Number.isSafeInteger(bytes) && bytes >= 24),
    "downloadBytes must be an integer ≥ 24 (the pcap file header)",
  );
}

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const port = options.port ?? 0;
  check(Number.isInteger(port) && port >= 0 && port <= 65535, "port must be an integer from 0 to 65535");
  const accountId = options.accountId ?? randomId();
  check(ID_PATTERN.test(accountId), "accountId must be 32 lowercase hex characters");
  const token = options.token ?? randomBytes(30).toString("base64url");
  check(/^[A-Za-z0-9._~+/-]+=*$/.test(token), "token must be non-empty and contain only token characters");
  const email = options.email ?? "emulator@example.com";
  check(/^[^\s@]+@[^\s@]+$/.test(email), "email must look like an email address");
  const apiKey = options.apiKey ?? randomBytes(19).toString("hex").slice(0, 37);
  check(/^[A-Za-z0-9]+$/.test(apiKey), "apiKey must be letters and digits");
  const credentials = options.credentials ?? [];
  credentials.forEach(checkCredential);
  const timeScale = options.timeScale ?? 1;
  check(Number.isFinite(timeScale) && timeScale > 0, "timeScale must be a number > 0");
  const rateLimit =
    typeof options.rateLimit === "string"
      ? parseRateLimit(options.rateLimit)
      : (options.rateLimit ?? DEFAULT_RATE_LIMIT);
  check(
    Number.isInteger(rateLimit.requests) && rateLimit.requests >= 1,
    "rateLimit.requests must be an integer ≥ 1",
  );
  check(
    Number.isFinite(rateLimit.seconds) && rateLimit.seconds > 0,
    "rateLimit.seconds must be a number > 0",
  );
  const simpleCaptureIntervalSeconds = options.simpleCaptureIntervalSeconds ?? 60;
  check(
    Number.isFinite(simpleCaptureIntervalSeconds) && simpleCaptureIntervalSeconds >= 0,
    "simpleCaptureIntervalSeconds must be ≥ 0",
  );
  const validationDelaySeconds = options.validationDelaySeconds ?? 0;
  check(
    Number.isFinite(validationDelaySeconds) && validationDelaySeconds >= 0,
    "validationDelaySeconds must be ≥ 0",
  );
  const { downloadPacketCount, downloadBytes } = options;
  checkDownloadSize(downloadPacketCount, downloadBytes);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  check(Number.isInteger(maxBodyBytes) && maxBodyBytes > 0, "maxBodyBytes must be an integer > 0");
  const finishedSimpleStatus = options.finishedSimpleStatus ?? "success";
  check(
    FINISHED_SIMPLE_STATUSES.includes(finishedSimpleStatus),
    `finishedSimpleStatus must be one of ${FINISHED_SIMPLE_STATUSES.join(", ")}`,
  );
  const unknownFields = options.unknownFields ?? true;
  check(typeof unknownFields === "boolean", "unknownFields must be a boolean");
  return {
    port,
    host: options.host ?? "127.0.0.1",
    dataDir: options.dataDir,
    persist: options.persist ?? false,
    token,
    accountId,
    email,
    apiKey,
    credentials,
    timeScale,
    rateLimit: { ...rateLimit },
    simpleCaptureIntervalSeconds,
    validationDelaySeconds,
    faults: resolveFaults(options.faults ?? {}),
    acceptFilenameChallenge: options.acceptFilenameChallenge ?? false,
    rateLimitHeaders: options.rateLimitHeaders ?? "every-answer",
    downloadPacketCount,
    downloadBytes,
    maxBodyBytes,
    finishedSimpleStatus,
    unknownFields,
    log: options.log,
  };
}
