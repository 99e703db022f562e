/**
 * Errors of the PCAP API client, and the one hierarchy every error of this package belongs to. Every
 * message has the form `<operation>: <what went wrong> (code N, HTTP S)` followed by what a person can
 * do about it, because these messages end up verbatim in `pulumi up` output.
 *
 * ```
 * PcapError                        root: everything this package throws on purpose
 * ├─ PcapApiError                  the API answered no (status, Cloudflare codes, cf-ray); built by apiError()
 * │  ├─ PcapCredentialsError       credentials missing, malformed, unknown, or without access (401/403,
 * │  │                             codes 6003 6103 6111 10000)
 * │  ├─ PcapRouteError             no such route: wrong account id or base URL (codes 7000 7003)
 * │  ├─ PcapRateLimitedError       429
 * │  ├─ PcapRedirectError          3xx: a proxy or a moved base URL, not the API
 * │  ├─ PcapNotFoundError          404: the object does not exist (any more)
 * │  ├─ PcapConflictError          409: conflicts with what exists
 * │  ├─ PcapInvalidRequestError    any other 4xx: the request itself is wrong
 * │  └─ PcapServerError            5xx: may have been applied by the origin behind a gateway
 * │     └─ PcapUnavailableError    503: not processed, safe to repeat
 * ├─ PcapRequestMaybeAppliedError  a create's answer was lost: reconcile before retrying
 * ├─ PcapNetworkError              no answer at all
 * ├─ PcapResponseError             an answer not in the API's shape
 * ├─ PcapFormatError               a download that is not a well-formed pcap file
 * ├─ PcapUsageError                a caller's mistake caught before any request (the command's UsageError)
 * └─ PcapSettingsError             settings missing or invalid (credentials, account id, base URL, budget)
 * ```
 *
 * The Cloudflare code wins over the HTTP status where both speak (a 400 with 6003 is about credentials, a
 * 404 with 7000 is a wrong base URL, not a deleted object), in the same order as the advice in messages.
 *
 * For the provider (`provider/**`), each status comparison has its class:
 * - `err instanceof PcapApiError && err.status === 404` → `err instanceof PcapNotFoundError`
 *   (capture/packet-capture.ts read, capture/create.ts lookup, ownership/bucket-ownership.ts delete,
 *   ownership/bucket-ownership-validation.ts). Differs only for 404 + code 7000 (no route): now a
 *   PcapRouteError, so a wrong base URL is no longer read as "deleted".
 * - `err.status === 409` → `PcapConflictError` (ownership/bucket-ownership.ts create, capture/create.ts
 *   full slot).
 * - `err.status === 400 || err.status === 404` → `PcapInvalidRequestError || PcapNotFoundError`
 *   (capture/packet-capture.ts stopping a full capture). Differs for 400 + 6003 (bad credentials, now
 *   PcapCredentialsError) and 400 + 7003 (PcapRouteError): those no longer count as "already stopped".
 * - `err instanceof PcapApiError && err.status !== 429` → `err instanceof PcapApiError &&
 *   !(err instanceof PcapRateLimitedError)` (capture/create.ts, "refused outright").
 * - `provider/config.ts` `SettingsError` → `extends PcapSettingsError`; then cli/run.ts needs only
 *   `instanceof PcapError`.
 */

/** One Cloudflare error (`errors[]` entry of the envelope). */
export interface ApiErrorDetail {
  code: number;
  message: string;
  /** JSON pointer into the request body, when the API names the offending field. */
  pointer?: string;
}

/** The root: every error this package throws on purpose is one of these. */
export class PcapError extends Error {
  /** What was being done, e.g. `create packet capture in account 0123…`. */
  readonly operation: string;

  constructor(operation: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.operation = operation;
  }
}

/** What an error answer of the API carries; see {@link apiError}. */
export interface ApiAnswer {
  operation: string;
  status: number;
  errors: readonly ApiErrorDetail[];
  rayId?: string;
  retryAfterSeconds?: number;
}

/**
 * The API answered with an error status or `success: false`. Thrown as the subclass that says what the
 * answer means ({@link apiError}); this class itself only for a `success: false` that names no meaning.
 */
export class PcapApiError extends PcapError {
  readonly status: number;
  readonly errors: readonly ApiErrorDetail[];
  /** Cloudflare's request id (`cf-ray`), for support tickets. */
  readonly rayId: string | undefined;
  /** Seconds the API asked us to wait (`retry-after`), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ApiAnswer) {
    super(init.operation, describeApiError(init));
    this.status = init.status;
    this.errors = init.errors;
    this.rayId = init.rayId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** Every Cloudflare error code in the answer. */
  get codes(): number[] {
    return this.errors.map((e) => e.code);
  }

  /** Whether the answer carries this Cloudflare error code. */
  hasCode(code: number): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

/** The credentials are missing, malformed or unknown, or may not use this account (or this API). */
export class PcapCredentialsError extends PcapApiError {}

/** The API knows no such route: the account id or the base URL is wrong (codes 7000, 7003). */
export class PcapRouteError extends PcapApiError {}

/** 429: the global budget or a product rule (one simple capture a minute); see `retryAfterSeconds`. */
export class PcapRateLimitedError extends PcapApiError {
  /** Cloudflare's global budget (code 971), which blocks every call of the credential, not one rule. */
  get global(): boolean {
    return this.hasCode(GLOBAL_RATE_LIMIT_CODE);
  }
}

/** 3xx: not an answer of the API (a proxy's login page, a moved base URL); nothing was applied. */
export class PcapRedirectError extends PcapApiError {}

/** 404: the object does not exist, or no longer does. */
export class PcapNotFoundError extends PcapApiError {}

/** 409: the request conflicts with what exists (a registered bucket, a running full capture). */
export class PcapConflictError extends PcapApiError {}

/** Any other 4xx: the request itself is wrong (a field out of range, a body too large, …). */
export class PcapInvalidRequestError extends PcapApiError {}

/** 5xx: Cloudflare failed to answer; behind a gateway the origin may still have applied the request. */
export class PcapServerError extends PcapApiError {}

/** 503: the request was not processed, so repeating it cannot duplicate anything. */
export class PcapUnavailableError extends PcapServerError {}

/**
 * A non-idempotent request (a POST that creates something) failed in a way that leaves it unknown
 * whether the API applied it: the connection dropped after the request was sent, or a gateway error
 * came back. Retrying blindly could create a duplicate, so the caller must reconcile (list, look for
 * the object) before trying again.
 */
export class PcapRequestMaybeAppliedError extends PcapError {
  constructor(operation: string, cause: unknown) {
    super(
      operation,
      `${operation}: the request was sent but no usable answer came back (${describeCause(cause)}), ` +
        `so it may or may not have been applied. It was not retried, to avoid creating a duplicate: ` +
        `list the existing objects before trying again.`,
      { cause },
    );
  }
}

/** The request never got an answer: connection refused or reset, timeouts, the retry deadline passed. */
export class PcapNetworkError extends PcapError {
  constructor(operation: string, cause: unknown, attempts: number) {
    super(
      operation,
      `${operation}: no answer from the API after ${attempts} attempt${attempts === 1 ? "" : "s"} ` +
        `(${describeCause(cause)}). Check network access to the API base URL, then run again.`,
      { cause },
    );
  }
}

/** The API answered, but not in the API's shape (not JSON, wrong envelope, unexpected `result`). */
export class PcapResponseError extends PcapError {
  readonly status: number;
  readonly rayId: string | undefined;

  constructor(init: { operation: string; status: number; problem: string; rayId?: string }) {
    super(
      init.operation,
      `${init.operation}: the API's answer is not in the expected shape: ${init.problem} (HTTP ${init.status}` +
        `${init.rayId ? `, cf-ray ${init.rayId}` : ""}). If the base URL points at a proxy, check it; ` +
        `otherwise this is a Cloudflare-side problem: try again later.`,
    );
    this.status = init.status;
    this.rayId = init.rayId;
  }
}

/**
 * A download that is not a well-formed pcap file (bad magic number, cut short). The message says what
 * is wrong with the bytes; the client prefixes the download's operation.
 */
export class PcapFormatError extends PcapError {
  constructor(message: string, operation = "read pcap file", options?: { cause?: unknown }) {
    super(operation, message, options);
  }
}

/** A caller-side mistake caught before any request: a malformed id, say. */
export class PcapUsageError extends PcapError {}

/** Settings missing or invalid: no credentials, a malformed account id, base URL or request budget. */
export class PcapSettingsError extends PcapError {
  constructor(message: string) {
    super("resolve settings", message);
  }
}

/** Cloudflare's code for its global rate limit (as opposed to a product rule answered with 429). */
const GLOBAL_RATE_LIMIT_CODE = 971;
/** Cloudflare codes for credentials missing or malformed (400 6003 with 6111/6103 in its chain). */
const BAD_CREDENTIAL_CODES = [6003, 6111, 6103];
/** "Authentication error": a valid credential without access to the account. */
const NO_ACCESS_CODE = 10000;
/** No route: unknown path (7000) or an identifier that is not one (7003). */
const NO_ROUTE_CODES = [7003, 7000];

/**
 * What an error answer means, in the order its advice is chosen: a Cloudflare code that names the
 * problem first, then the status.
 */
type Meaning =
  | "bad-credentials"
  | "no-access"
  | "no-route"
  | "rate-limited"
  | "redirect"
  | "not-found"
  | "conflict"
  | "too-large"
  | "server"
  | "invalid";

function meaningOf(status: number, codes: ReadonlySet<number>): Meaning {
  if (BAD_CREDENTIAL_CODES.some((c) => codes.has(c))) return "bad-credentials";
  if (status === 401 || status === 403 || codes.has(NO_ACCESS_CODE)) return "no-access";
  if (NO_ROUTE_CODES.some((c) => codes.has(c))) return "no-route";
  if (status === 429) return "rate-limited";
  if (status >= 300 && status < 400) return "redirect";
  if (status === 404) return "not-found";
  if (status === 409) return "conflict";
  if (status === 413) return "too-large";
  if (status >= 500) return "server";
  return "invalid";
}

/**
 * The error for an error answer of the API, as the subclass of {@link PcapApiError} that says what it
 * means. The client builds every API error through here.
 */
export function apiError(init: ApiAnswer): PcapApiError {
  const meaning = meaningOf(init.status, new Set(init.errors.map((e) => e.code)));
  switch (meaning) {
    case "bad-credentials":
    case "no-access":
      return new PcapCredentialsError(init);
    case "no-route":
      return new PcapRouteError(init);
    case "rate-limited":
      return new PcapRateLimitedError(init);
    case "redirect":
      return new PcapRedirectError(init);
    case "not-found":
      return new PcapNotFoundError(init);
    case "conflict":
      return new PcapConflictError(init);
    case "server":
      return init.status === 503 ? new PcapUnavailableError(init) : new PcapServerError(init);
    case "too-large":
    case "invalid":
      // A 2xx with `success: false` names no status meaning: only its codes could have.
      return init.status >= 200 && init.status < 300
        ? new PcapApiError(init)
        : new PcapInvalidRequestError(init);
  }
}

function describeApiError(init: ApiAnswer): string {
  const errors = init.errors.length > 0 ? init.errors : [{ code: 0, message: "no error details given" }];
  const what = errors
    .map((e) => `${e.message}${e.pointer ? ` [at ${e.pointer}]` : ""} (code ${e.code}, HTTP ${init.status})`)
    .join("; ");
  const ray = init.rayId ? ` [cf-ray ${init.rayId}]` : "";
  const meaning = meaningOf(init.status, new Set(errors.map((e) => e.code)));
  return `${init.operation}: ${what}${ray}. ${ADVICE[meaning](init.retryAfterSeconds)}`;
}

const ADVICE: Record<Meaning, (retryAfter: number | undefined) => string> = {
  "bad-credentials": () =>
    "Check the credentials: an API token (cloudflare:apiToken / CLOUDFLARE_API_TOKEN) or an email and global key (cloudflare:email + cloudflare:apiKey).",
  "no-access": () =>
    'Check that the credentials can use this account and have the "Magic Firewall Packet Captures - Write PCAPs API" permission (packet captures need an Enterprise plan).',
  "no-route": () => "Check the account id (32 hexadecimal characters) and the API base URL.",
  "rate-limited": (retryAfter) =>
    `The API's rate limit was hit${retryAfter !== undefined ? `; it asked to wait ${retryAfter} s` : ""}. Wait and run again, or lower the request budget (cloudflare-pcap:rateLimit).`,
  redirect: () =>
    "A redirect is not an answer of the API: check the API base URL (cloudflare:baseUrl / CLOUDFLARE_BASE_URL); a proxy or a login page may be in the way.",
  "not-found": () => "The object no longer exists on Cloudflare: refresh to bring the state up to date.",
  conflict: () => "It conflicts with what exists already; see the message above.",
  "too-large": () => "The request body is too large.",
  server: () => "Cloudflare had a problem answering: try again in a few minutes.",
  invalid: () => "Correct the request as the message says and run again.",
};

function describeCause(cause: unknown): string {
  if (cause instanceof PcapError) return cause.message;
  // Duck-typed: errors from Node's internals may come from another realm (a jest sandbox, a vm).
  if (typeof cause === "object" && cause !== null && typeof (cause as Error).message === "string") {
    const { code, message } = cause as { code?: unknown; message: string };
    return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(cause);
}

/**
 * Removes every occurrence of the given secrets from a text. The client passes every message it
 * produces through this, so a credential echoed by a proxy or a library error can never escape.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
