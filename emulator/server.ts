/**
 * The request pipeline, in the order Cloudflare's edge applies it: count → injected latency and faults
 * → credential headers (400 6003) → credential known (403 10000) → global rate limit (429 971) → route
 * (404 7000 / 400 7003) → account access (403 10000) → body → handler under the state mutex. Faults
 * that must not change state (reset, 500/503) act before anything is applied; drop-after-apply acts
 * only after the change was applied and persisted.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { authorizeAccount, type CredentialStore } from "./auth";
import { readJsonObject } from "./body";
import type { Context, Reply } from "./context";
import { finishConversions } from "./conversion";
import type { Outcome, RequestCounter } from "./counts";
import { ApiError, CODES } from "./errors";
import type { FaultInjector } from "./faults";
import { createCapture, downloadCapture, getCapture, listCaptures, stopCapture } from "./handlers/captures";
import { addOwnership, deleteOwnership, listOwnerships, validateOwnership } from "./handlers/ownership";
import type { Mutex } from "./mutex";
import type { RequestLogEntry } from "./options";
import { rateHeaders, type RateLimiter } from "./rate-limit";
import { sendError, sendReply } from "./respond";
import { matchRoute, pathOf, type RouteMatch } from "./router";

export interface ServerDeps {
  ctx: Context;
  mutex: Mutex;
  credentials: CredentialStore;
  limiter: RateLimiter;
  faults: FaultInjector;
  counter: RequestCounter;
  maxBodyBytes: number;
  /** Send `x-ratelimit-*` on every authenticated answer, or only with a 429. */
  rateLimitHeadersOnEveryAnswer: boolean;
  log: ((entry: RequestLogEntry) => void) | undefined;
  /** Latency timers in flight, so close() can clear them. */
  timers: Set<NodeJS.Timeout>;
}

const MUTATING = new Set(["POST", "PUT", "DELETE"]);
const NEEDS_BODY = new Set(["POST /pcaps", "POST /pcaps/ownership", "POST /pcaps/ownership/validate"]);

/** Finishes due conversions, then runs the endpoint; always under the mutex. */
export async function sweep(ctx: Context): Promise<void> {
  if (await finishConversions(ctx)) await ctx.persist();
}

async function dispatch(ctx: Context, match: RouteMatch, body: Record<string, unknown>): Promise<Reply> {
  await sweep(ctx);
  const { accountId, id = "" } = match;
  switch (match.key) {
    case "POST /pcaps":
      return createCapture(ctx, accountId, body);
    case "GET /pcaps":
      return listCaptures(ctx, accountId);
    case "GET /pcaps/:id":
      return getCapture(ctx, accountId, id);
    case "GET /pcaps/:id/download":
      return downloadCapture(ctx, accountId, id);
    case "PUT /pcaps/:id/stop":
      return stopCapture(ctx, accountId, id);
    case "POST /pcaps/ownership":
      return addOwnership(ctx, accountId, body);
    case "GET /pcaps/ownership":
      return listOwnerships(ctx, accountId);
    case "POST /pcaps/ownership/validate":
      return validateOwnership(ctx, accountId, body);
    case "DELETE /pcaps/ownership/:id":
      return deleteOwnership(ctx, accountId, id);
  }
}

function delay(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}

export function createRequestListener(deps: ServerDeps): RequestListener {
  return (req, res) => {
    // Nothing may escape as an unhandled rejection (it would take the host process down with it).
    handle(deps, req, res).catch(() => res.destroy());
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const method = req.method ?? "GET";
  const path = pathOf(req.url);
  const route = matchRoute(method, path);
  deps.counter.request(route.key);
  const finish = (status: Outcome, error?: string) => {
    deps.counter.outcome(status);
    const entry: RequestLogEntry = {
      method,
      route: route.key,
      path,
      status,
      durationMs: Date.now() - started,
    };
    if (error !== undefined) entry.error = error;
    try {
      deps.log?.(entry);
    } catch {
      // A failing log callback must not change the answer.
    }
  };

  if (deps.faults.latencyMs > 0) await delay(deps.faults.latencyMs, deps.timers);
  if (req.socket.destroyed) return;
  const fault = deps.faults.next(MUTATING.has(method));
  if (fault.kind === "reset") {
    req.socket.destroy();
    finish("reset");
    return;
  }
  if (fault.kind === "error") {
    const kind = fault.status === 500 ? "internalError" : "unavailable";
    sendError(
      res,
      new ApiError(kind, fault.status === 500 ? "Internal server error" : "Service temporarily unavailable"),
      {
        ...(fault.status === 503 ? { "retry-after": "1" } : {}),
      },
    );
    finish(fault.status);
    return;
  }

  let headers: Record<string, string> = {};
  let reply: Reply;
  try {
    const principal = deps.credentials.authenticate(req.headers);
    const decision = deps.limiter.hit(principal.key);
    if (deps.rateLimitHeadersOnEveryAnswer || !decision.allowed) headers = rateHeaders(decision);
    if (!decision.allowed) {
      throw new ApiError("rateLimited", "Please wait and consider throttling your request speed");
    }
    if (!route.match) throw route.error;
    const match = route.match;
    authorizeAccount(principal, match.accountId);
    const body = NEEDS_BODY.has(match.key) ? await readJsonObject(req, deps.maxBodyBytes) : {};
    reply = await deps.mutex.run(() => dispatch(deps.ctx, match, body));
  } catch (error) {
    const apiError = toApiError(error);
    if (apiError.code === CODES.bodyTooLarge.code) headers = { ...headers, connection: "close" };
    if (fault.dropAfterApply) return drop(req, finish);
    sendError(res, apiError, headers);
    finish(apiError.status, apiError.status >= 500 ? errorText(error) : undefined);
    return;
  }
  if (fault.dropAfterApply) return drop(req, finish);
  try {
    finish(await sendReply(res, reply, headers));
  } catch (error) {
    // Opening the download failed before any byte was sent: still a proper envelope.
    sendError(res, toApiError(error), headers);
    finish(500, errorText(error));
  }
}

/** The ambiguous failure: the change is applied (and persisted) but the client never hears of it. */
function drop(req: IncomingMessage, finish: (status: Outcome) => void): void {
  req.socket.destroy();
  finish("dropped");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError("internalError", "Internal server error");
}
