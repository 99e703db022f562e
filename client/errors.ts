/**
 * Errors of the PCAP API client. Every message has the form
 * `<operation>: <what went wrong> (code N, HTTP S)` followed by what a person can do about it, because
 * these messages end up verbatim in `pulumi up` output.
 */

/** One Cloudflare error (`errors[]` entry of the envelope). */
export interface ApiErrorDetail {
  code: number;
  message: string;
  /** JSON pointer into the request body, when the API names the offending field. */
  pointer?: string;
}

/** Base class: every error the client throws is one of these. */
export class PcapError extends Error {
  /** What the client was doing, e.g. `create packet capture in account 0123…`. */
  readonly operation: string;

  constructor(operation: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.operation = operation;
  }
}

/** The API answered with an error status or `success: false`. */
export class PcapApiError extends PcapError {
  readonly status: number;
  readonly errors: readonly ApiErrorDetail[];
  /** Cloudflare's request id (`cf-ray`), for support tickets. */
  readonly rayId: string | undefined;
  /** Seconds the API asked us to wait (`retry-after`), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    operation: string;
    status: number;
    errors: readonly ApiErrorDetail[];
    rayId?: string;
    retryAfterSeconds?: number;
  }) {
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

/** A caller-side mistake caught before any request: a malformed id, say. */
export class PcapUsageError extends PcapError {}

function describeApiError(init: {
  operation: string;
  status: number;
  errors: readonly ApiErrorDetail[];
  rayId?: string;
  retryAfterSeconds?: number;
}): string {
  const errors = init.errors.length > 0 ? init.errors : [{ code: 0, message: "no error details given" }];
  const what = errors
    .map((e) => `${e.message}${e.pointer ? ` [at ${e.pointer}]` : ""} (code ${e.code}, HTTP ${init.status})`)
    .join("; ");
  const ray = init.rayId ? ` [cf-ray ${init.rayId}]` : "";
  return `${init.operation}: ${what}${ray}. ${adviceFor(init.status, errors, init.retryAfterSeconds)}`;
}

function adviceFor(
  status: number,
  errors: readonly ApiErrorDetail[],
  retryAfter: number | undefined,
): string {
  const codes = new Set(errors.map((e) => e.code));
  if (codes.has(6003) || codes.has(6111) || codes.has(6103)) {
    return "Check the credentials: an API token (cloudflare:apiToken / CLOUDFLARE_API_TOKEN) or an email and global key (cloudflare:email + cloudflare:apiKey).";
  }
  if (status === 401 || status === 403 || codes.has(10000)) {
    return 'Check that the credentials can use this account and have the "Magic Firewall Packet Captures - Write PCAPs API" permission (packet captures need an Enterprise plan).';
  }
  if (codes.has(7003) || codes.has(7000)) {
    return "Check the account id (32 hexadecimal characters) and the API base URL.";
  }
  if (status === 429) {
    return `The API's rate limit was hit${retryAfter !== undefined ? `; it asked to wait ${retryAfter} s` : ""}. Wait and run again, or lower the request budget (cloudflare-pcap:rateLimit).`;
  }
  if (status >= 300 && status < 400) {
    return "A redirect is not an answer of the API: check the API base URL (cloudflare:baseUrl / CLOUDFLARE_BASE_URL); a proxy or a login page may be in the way.";
  }
  if (status === 404)
    return "The object no longer exists on Cloudflare: refresh to bring the state up to date.";
  if (status === 409) return "It conflicts with what exists already; see the message above.";
  if (status === 413) return "The request body is too large.";
  if (status >= 500) return "Cloudflare had a problem answering: try again in a few minutes.";
  return "Correct the request as the message says and run again.";
}

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
