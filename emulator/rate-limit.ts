/**
 * Cloudflare's global limit: a fixed window per credential, in real time. Once a credential exceeds the
 * window's budget every further call is refused until the window ends (the lockout), which is what
 * makes a retry storm so costly on the real API.
 */
import type { RateLimit } from "./options";

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets (rounded up, ≥ 1 while a window is open). */
  resetSeconds: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  setLimit(limit: RateLimit): void {
    this.limit = { ...limit };
    this.windows.clear();
  }

  /** Counts one request for `key` and says whether it may proceed. */
  hit(key: string): RateDecision {
    const now = this.now();
    const windowMs = this.limit.seconds * 1000;
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= windowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
    // Refused calls are not counted: the lockout lasts to the window's end either way.
    if (window.count >= this.limit.requests) {
      return { allowed: false, limit: this.limit.requests, remaining: 0, resetSeconds };
    }
    window.count += 1;
    return {
      allowed: true,
      limit: this.limit.requests,
      remaining: this.limit.requests - window.count,
      resetSeconds,
    };
  }

  /** Forgets every window (tests call this between cases through the handle). */
  reset(): void {
    this.windows.clear();
  }
}

/** The headers Cloudflare sends with a rate-limited answer; also sent on every authenticated answer. */
export function rateHeaders(decision: RateDecision): Record<string, string> {
  const headers: Record<string, string> = {
    "x-ratelimit-limit": String(decision.limit),
    "x-ratelimit-remaining": String(decision.remaining),
    "x-ratelimit-reset": String(decision.resetSeconds),
  };
  if (!decision.allowed) headers["retry-after"] = String(decision.resetSeconds);
  return headers;
}
