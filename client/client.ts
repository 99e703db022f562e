/**
 * The typed client of Cloudflare's PCAP API: all nine endpoints, domain types in and out, retries with
 * backoff, the process-wide rate limit, and errors a person can act on. It knows nothing of Pulumi.
 */
import { createHash } from "node:crypto";
import type { Writable } from "node:stream";
import { z } from "zod";
import { backoffDelayMs, parseRetryAfter, resolveRetryOptions, sleep } from "./backoff";
import type { ResolvedRetryOptions, RetryOptions } from "./backoff";
import { secretsOf, type Credentials } from "./credentials";
import { streamDownload, type DownloadResult, type DownloadOptions } from "./download";
import {
  apiError,
  PcapError,
  PcapFormatError,
  PcapNetworkError,
  PcapRateLimitedError,
  PcapRequestMaybeAppliedError,
  PcapResponseError,
  PcapServerError,
  PcapUnavailableError,
  PcapUsageError,
  redact,
  type ApiErrorDetail,
  type PcapApiError,
} from "./errors";
import {
  DEFAULT_ANSWER_TIMEOUT_MS,
  DEFAULT_BASE_URL,
  HttpTransport,
  failedBeforeSending,
  headerValue,
  type HttpAnswer,
  type HttpMethod,
  type Timeouts,
} from "./http";
import { DEFAULT_RATE_LIMIT, parseRateLimit, sharedRateLimiter, type RateLimitBudget } from "./rate-limiter";
import type { RateLimiter } from "./rate-limiter";
import { ID_FORM, isCloudflareId } from "./rules";
import type { BucketOwnership, Capture, CaptureRequest } from "./types";
import { captureFromWire, captureRequestToWire, envelopeSchema, ownershipFromWire } from "./wire";

/** Something the client wants a person to see: waits, retries. Never contains a credential. */
export interface ClientLogEvent {
  level: "info" | "warn";
  message: string;
}

/** Options of a {@link PcapClient}. */
export interface PcapClientOptions {
  credentials: Credentials;
  /** Default `https://api.cloudflare.com/client/v4`. */
  baseUrl?: string;
  /** Request budget shared by every client of the same credential in this process. Default 1000/300. */
  rateLimit?: RateLimitBudget | string;
  retry?: RetryOptions;
  timeouts?: Timeouts;
  /** Receives waits and retries worth showing a person; never a credential. */
  log?: (event: ClientLogEvent) => void;
}

/** Per-call overrides. */
export interface CallOptions {
  retry?: RetryOptions;
}

/**
 * The shortest wait after a 429: Cloudflare's `retry-after` is at least 1 s, and a server (or proxy)
 * answering `retry-after: 0` must not turn the retries into a request storm.
 */
const MIN_RATE_LIMIT_WAIT_MS = 1000;

/** A final answer: a 2xx, with its JSON text when the call reads one (`exchange(…, true)`). */
interface Exchanged {
  answer: HttpAnswer;
  text: string | undefined;
}

interface RequestSpec<T> {
  operation: string;
  method: HttpMethod;
  path: string;
  body?: unknown;
  /** Safe to send twice. POSTs that create something are not: an ambiguous failure is reported instead. */
  idempotent: boolean;
  /** Schema of `result`; null for 204 answers without a body. */
  result: z.ZodType<T> | null;
}

/**
 * The client of Cloudflare's PCAP API. One per credential is enough: it pools connections, and every
 * client of the same credential in a process shares one rate limiter.
 */
export class PcapClient {
  private readonly transport: HttpTransport;
  private readonly limiter: RateLimiter;
  private readonly retry: ResolvedRetryOptions;
  private readonly secrets: string[];
  private readonly log: (event: ClientLogEvent) => void;
  private readonly answerMs: number;

  constructor(options: PcapClientOptions) {
    const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
    this.answerMs = options.timeouts?.answerMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    this.transport = new HttpTransport(baseUrl, options.credentials, options.timeouts);
    this.secrets = secretsOf(options.credentials);
    const budget =
      typeof options.rateLimit === "string"
        ? parseRateLimit(options.rateLimit)
        : (options.rateLimit ?? DEFAULT_RATE_LIMIT);
    // Cloudflare limits per credential: clients sharing one share a budget. The key is a digest so
    // the credential itself is never kept outside the transport's headers.
    const key = createHash("sha256")
      .update(`${baseUrl}\n${JSON.stringify(options.credentials)}`)
      .digest("hex");
    this.limiter = sharedRateLimiter(key, budget);
    this.retry = resolveRetryOptions(options.retry);
    const log = options.log;
    this.log = log
      ? (event) => log({ ...event, message: redact(event.message, this.secrets) })
      : () => undefined;
  }

  // ---- captures ----

  /** Requests a capture (`POST /pcaps`). Never resent after an ambiguous failure: see {@link PcapRequestMaybeAppliedError}. */
  async createCapture(accountId: string, request: CaptureRequest, options?: CallOptions): Promise<Capture> {
    return this.execute(
      {
        operation: `create ${request.type} packet capture in account ${accountId}`,
        method: "POST",
        path: `${this.accountPath(accountId)}/pcaps`,
        body: captureRequestToWire(request),
        idempotent: false,
        result: captureFromWire,
      },
      options,
    );
  }

  /** The account's captures, newest first as the API returns them (at most 50: older ones drop off). */
  async listCaptures(accountId: string, options?: CallOptions): Promise<Capture[]> {
    return this.execute(
      {
        operation: `list packet captures in account ${accountId}`,
        method: "GET",
        path: `${this.accountPath(accountId)}/pcaps`,
        idempotent: true,
        result: z.array(captureFromWire),
      },
      options,
    );
  }

  /** One capture with its current status (`GET /pcaps/{id}`). */
  async getCapture(accountId: string, captureId: string, options?: CallOptions): Promise<Capture> {
    return this.execute(
      {
        operation: `get packet capture ${captureId} in account ${accountId}`,
        method: "GET",
        path: this.capturePath(accountId, captureId),
        idempotent: true,
        result: captureFromWire,
      },
      options,
    );
  }

  /** Full captures only: asks Cloudflare to stop collecting; the capture then converts and completes. */
  async stopCapture(accountId: string, captureId: string, options?: CallOptions): Promise<void> {
    return this.execute(
      {
        operation: `stop packet capture ${captureId} in account ${accountId}`,
        method: "PUT",
        path: `${this.capturePath(accountId, captureId)}/stop`,
        idempotent: true,
        result: null,
      },
      options,
    );
  }

  /**
   * Streams a finished simple capture's pcap file into `destination` — a writable stream, or a file path
   * written atomically (parent directories created) — checking the pcap format on the way; the body is
   * never held in memory whole.
   */
  async downloadCapture(
    accountId: string,
    captureId: string,
    destination: Writable | string,
    options?: DownloadOptions & CallOptions,
  ): Promise<DownloadResult> {
    const operation = `download packet capture ${captureId} in account ${accountId}`;
    const { answer } = await this.exchange(
      {
        operation,
        method: "GET",
        path: `${this.capturePath(accountId, captureId)}/download`,
        idempotent: true,
        result: null,
      },
      options,
      false,
      "application/vnd.tcpdump.pcap, application/octet-stream, application/json",
    );
    try {
      return await streamDownload(answer, destination, options);
    } catch (err) {
      throw this.sanitize(downloadFailure(operation, err));
    }
  }

  // ---- bucket ownership ----

  /** Registers a bucket; Cloudflare writes a challenge file into it. */
  async addOwnership(
    accountId: string,
    destinationConf: string,
    options?: CallOptions,
  ): Promise<BucketOwnership> {
    return this.execute(
      {
        operation: `register bucket ${destinationConf} in account ${accountId}`,
        method: "POST",
        path: `${this.accountPath(accountId)}/pcaps/ownership`,
        body: { destination_conf: destinationConf },
        idempotent: false,
        result: ownershipFromWire,
      },
      options,
    );
  }

  /** The account's registered buckets (`GET /pcaps/ownership`; the API has no get-by-id). */
  async listOwnerships(accountId: string, options?: CallOptions): Promise<BucketOwnership[]> {
    return this.execute(
      {
        operation: `list bucket ownerships in account ${accountId}`,
        method: "GET",
        path: `${this.accountPath(accountId)}/pcaps/ownership`,
        idempotent: true,
        result: z
          .array(ownershipFromWire)
          .nullable()
          .transform((list) => list ?? []),
      },
      options,
    );
  }

  /** Proves ownership with the challenge file's contents. Safe to repeat: it only sets a status. */
  async validateOwnership(
    accountId: string,
    destinationConf: string,
    ownershipChallenge: string,
    options?: CallOptions,
  ): Promise<BucketOwnership> {
    return this.execute(
      {
        operation: `validate bucket ${destinationConf} in account ${accountId}`,
        method: "POST",
        path: `${this.accountPath(accountId)}/pcaps/ownership/validate`,
        body: { destination_conf: destinationConf, ownership_challenge: ownershipChallenge },
        idempotent: true,
        result: ownershipFromWire,
      },
      options,
    );
  }

  /** Deletes a bucket registration (`DELETE /pcaps/ownership/{id}`). */
  async deleteOwnership(accountId: string, ownershipId: string, options?: CallOptions): Promise<void> {
    return this.execute(
      {
        operation: `delete bucket ownership ${ownershipId} in account ${accountId}`,
        method: "DELETE",
        path: `${this.accountPath(accountId)}/pcaps/ownership/${checkId(ownershipId, "ownership id")}`,
        idempotent: true,
        result: null,
      },
      options,
    );
  }

  /** Closes the connection pool. The rate limiter stays: it belongs to the process. */
  close(): Promise<void> {
    return this.transport.close();
  }

  // ---- the request pipeline ----

  private accountPath(accountId: string): string {
    return `accounts/${checkId(accountId, "account id")}`;
  }

  private capturePath(accountId: string, captureId: string): string {
    return `${this.accountPath(accountId)}/pcaps/${checkId(captureId, "capture id")}`;
  }

  private async execute<T>(spec: RequestSpec<T>, options: CallOptions | undefined): Promise<T> {
    const { answer, text } = await this.exchange(spec, options, true);
    try {
      return this.parse(spec, answer, text ?? "");
    } catch (err) {
      throw this.sanitize(err);
    }
  }

  /**
   * Sends a request until it gets a final answer: a 2xx or an error (thrown). With `readBody`, the 2xx's
   * body is read as part of the exchange, within the answer timeout, so a body cut short or dripped
   * forever is a transport failure like a reset (retried, or reported as maybe applied); without it
   * (downloads) the body is returned unread. Retries transient failures with backoff, and 429s after
   * `retry-after`, within the deadline.
   */
  private async exchange<T>(
    spec: RequestSpec<T>,
    options: CallOptions | undefined,
    readBody: boolean,
    accept?: string,
  ): Promise<Exchanged> {
    const retry = options?.retry ? { ...this.retry, ...resolvePartial(options.retry) } : this.retry;
    const deadline = Date.now() + retry.deadlineMs;
    let failures = 0;
    for (;;) {
      const permit = await this.limiter.acquire();
      let answer: HttpAnswer;
      let text: string | undefined;
      try {
        const signal = readBody ? AbortSignal.timeout(this.answerMs) : undefined;
        answer = await this.transport.send(spec.method, spec.path, spec.body, accept, signal);
        if (readBody && isSuccess(answer.statusCode)) text = await answer.body.text();
      } catch (err) {
        permit.release();
        failures++;
        if (!spec.idempotent && !failedBeforeSending(err)) {
          throw this.sanitize(new PcapRequestMaybeAppliedError(spec.operation, err));
        }
        const wait = backoffDelayMs(failures, retry);
        if (failures >= retry.maxAttempts || Date.now() + wait > deadline) {
          throw this.sanitize(new PcapNetworkError(spec.operation, err, failures));
        }
        this.log({ level: "warn", message: `${spec.operation}: ${describe(err)}; retrying in ${ms(wait)}` });
        await sleep(wait);
        continue;
      }
      permit.release();
      this.limiter.observe(
        Number(headerValue(answer.headers, "x-ratelimit-remaining")),
        Number(headerValue(answer.headers, "x-ratelimit-reset")),
      );
      // Only a 2xx is a success: a redirect (a proxy's login page, a moved base URL) applied nothing.
      if (isSuccess(answer.statusCode)) return { answer, text };

      const error = await this.readError(spec.operation, answer);
      if (error instanceof PcapRateLimitedError) {
        const asked = error.retryAfterSeconds ?? backoffDelayMs(failures + 1, retry) / 1000;
        const waitSeconds = Math.max(asked, MIN_RATE_LIMIT_WAIT_MS / 1000);
        if (error.global) this.limiter.pauseUntil(Date.now() + waitSeconds * 1000);
        if (Date.now() + waitSeconds * 1000 > deadline) throw error;
        this.log({
          level: "warn",
          message: `${spec.operation}: rate limited (${error.errors[0]?.message ?? "HTTP 429"}); waiting ${ms(waitSeconds * 1000)} as the API asked`,
        });
        await sleep(waitSeconds * 1000);
        continue;
      }
      if (error instanceof PcapServerError) {
        failures++;
        // A 503 says the request was not processed; any other 5xx may come from a gateway after the
        // origin applied the request, which only matters when repeating it would create a duplicate.
        if (!spec.idempotent && !(error instanceof PcapUnavailableError)) {
          throw this.sanitize(new PcapRequestMaybeAppliedError(spec.operation, error));
        }
        const wait = backoffDelayMs(failures, retry);
        if (failures >= retry.maxAttempts || Date.now() + wait > deadline) throw error;
        this.log({
          level: "warn",
          message: `${spec.operation}: HTTP ${answer.statusCode}; retrying in ${ms(wait)}`,
        });
        await sleep(wait);
        continue;
      }
      throw error;
    }
  }

  /** Builds the error for a failed answer, from its envelope when it has one. Consumes the body. */
  private async readError(operation: string, answer: HttpAnswer): Promise<PcapApiError> {
    const rayId = headerValue(answer.headers, "cf-ray");
    const retryAfterSeconds = parseRetryAfter(headerValue(answer.headers, "retry-after"));
    let errors: ApiErrorDetail[] = [];
    try {
      const envelope = envelopeSchema.safeParse(JSON.parse(await answer.body.text()));
      if (envelope.success) {
        errors = envelope.data.errors.map((e) => ({
          code: e.code,
          message: e.message,
          ...(e.source?.pointer ? { pointer: e.source.pointer } : {}),
        }));
      }
    } catch {
      // Not JSON (an HTML error page from a proxy, a dropped body): the status alone must speak.
    }
    if (errors.length === 0) errors = [{ code: 0, message: `the API answered without error details` }];
    return this.sanitize(
      apiError({ operation, status: answer.statusCode, errors, rayId, retryAfterSeconds }),
    );
  }

  private parse<T>(spec: RequestSpec<T>, answer: HttpAnswer, text: string): T {
    const rayId = headerValue(answer.headers, "cf-ray");
    const status = answer.statusCode;
    if (spec.result === null) return undefined as T;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const contentType = headerValue(answer.headers, "content-type") ?? "no content type";
      throw new PcapResponseError({
        operation: spec.operation,
        status,
        rayId,
        problem: `the body is not JSON (${contentType}: ${JSON.stringify(text.slice(0, 120))})`,
      });
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      throw new PcapResponseError({
        operation: spec.operation,
        status,
        rayId,
        problem: zodProblem(envelope.error),
      });
    }
    if (!envelope.data.success) {
      throw apiError({
        operation: spec.operation,
        status,
        rayId,
        errors: envelope.data.errors.map((e) => ({ code: e.code, message: e.message })),
      });
    }
    const result = spec.result.safeParse(envelope.data.result);
    if (!result.success) {
      throw new PcapResponseError({
        operation: spec.operation,
        status,
        rayId,
        problem: `result ${zodProblem(result.error)}`,
      });
    }
    return result.data;
  }

  /** Every error leaves the client through here, so no credential can ride along in a message. */
  private sanitize<E>(err: E): E {
    if (err instanceof Error) err.message = redact(err.message, this.secrets);
    return err;
  }
}

/**
 * A download that failed after its answer came: the pcap check's verdict or a file system error, with
 * the download's operation in front. Errors of the request itself pass through as they are.
 */
function downloadFailure(operation: string, err: unknown): PcapError {
  if (err instanceof PcapFormatError) {
    return new PcapFormatError(`${operation}: ${err.message}`, operation, { cause: err });
  }
  if (err instanceof PcapError) return err;
  return new PcapError(operation, `${operation}: ${(err as Error).message}`, { cause: err });
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function checkId(id: string, what: string): string {
  if (!isCloudflareId(id)) {
    throw new PcapUsageError(
      what,
      `${what} ${JSON.stringify(id)} is not valid: Cloudflare ids are ${ID_FORM}`,
    );
  }
  return id;
}

function resolvePartial(options: RetryOptions): Partial<ResolvedRetryOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  return `${path}: ${issue.message}`;
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === "string" ? `${code} ${message}` : message;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}
