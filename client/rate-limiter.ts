/**
 * A client-side request budget: at most `requests` in any window of `seconds`, shared by every client of
 * the same credential in this process (the dynamic-provider plugin serves every resource of a
 * deployment from one process, so one limiter covers a whole `pulumi up`).
 *
 * Cloudflare counts 1200 requests per 5 minutes per token and locks the token out for the rest of the
 * window when exceeded. A request's slot is held from the moment it is sent until its answer arrives,
 * and only then starts to age: the server saw the request somewhere in between, so no window of the
 * server's can ever hold more than `requests` of ours, whatever the latency.
 */
import { PcapSettingsError } from "./errors";

/** A request budget: at most `requests` in any window of `seconds`. */
export interface RateLimitBudget {
  requests: number;
  seconds: number;
}

/**
 * Below Cloudflare's 1200 / 300 s: the same token's limit is shared with the dashboard and any other
 * tool, so a deployment leaves a sixth of it to them.
 */
export const DEFAULT_RATE_LIMIT: RateLimitBudget = { requests: 1000, seconds: 300 };

/** The budget as written in settings: `<requests>/<seconds>`, the form {@link parseRateLimit} reads. */
export function formatRateLimit(budget: RateLimitBudget): string {
  return `${budget.requests}/${budget.seconds}`;
}

/**
 * Parses `<requests>/<seconds>` (e.g. `1200/300`), the one reader of that form on the client side;
 * throws a {@link PcapSettingsError} naming the expected form.
 */
export function parseRateLimit(text: string, source = "rate limit"): RateLimitBudget {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  const requests = match ? Number(match[1]) : NaN;
  const seconds = match ? Number(match[2]) : NaN;
  if (!match || requests < 1 || !(seconds > 0)) {
    throw new PcapSettingsError(
      `${source} "${text}" is not valid: expected <requests>/<seconds> with both positive, e.g. "1200/300"`,
    );
  }
  return { requests, seconds };
}

/** A permit for one request; `release()` when its answer (or failure) arrived. */
export interface RateLimitPermit {
  release(): void;
}

export class RateLimiter {
  private budget: RateLimitBudget;
  /** Release times (ms) of recent requests, oldest first; in-flight ones are counted separately. */
  private readonly released: number[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private readonly waiters: Array<(permit: RateLimitPermit) => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    budget: RateLimitBudget,
    private readonly now: () => number = Date.now,
  ) {
    this.budget = budget;
  }

  get currentBudget(): RateLimitBudget {
    return this.budget;
  }

  setBudget(budget: RateLimitBudget): void {
    this.budget = budget;
    this.wake();
  }

  /** Holds every request until `untilMs` (the server said `retry-after`). */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
  }

  /**
   * Takes in the server's own count (`x-ratelimit-remaining`, `x-ratelimit-reset` in seconds). Requests
   * made before this process started — an earlier deployment's, another tool's — are in the server's
   * window but not in ours; when the server says the window is spent, wait for its reset rather than
   * meet the lockout. Non-numbers (headers absent) are ignored.
   */
  observe(remaining: number, resetSeconds: number): void {
    if (!Number.isFinite(remaining) || !Number.isFinite(resetSeconds)) return;
    if (remaining <= this.inFlight) this.pauseUntil(this.now() + resetSeconds * 1000);
  }

  /** Milliseconds until a request could be sent now (0 = immediately). */
  delayMs(): number {
    const now = this.now();
    this.forget(now);
    const pause = Math.max(0, this.pausedUntil - now);
    if (this.inFlight + this.released.length < this.budget.requests) return pause;
    if (this.released.length === 0) return Math.max(pause, 1); // all slots in flight: wait for a release
    const oldestExpires = this.released[0] + this.budget.seconds * 1000;
    return Math.max(pause, oldestExpires - now, 1);
  }

  /** Waits for a slot. Waiters are served in arrival order so no request starves. */
  acquire(): Promise<RateLimitPermit> {
    if (this.waiters.length === 0 && this.delayMs() === 0) return Promise.resolve(this.grant());
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  /** Takes a slot now; granting synchronously keeps one wake-up from admitting more than fits. */
  private grant(): RateLimitPermit {
    this.inFlight++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.released.push(this.now());
        this.wake();
      },
    };
  }

  private forget(now: number): void {
    const horizon = now - this.budget.seconds * 1000;
    while (this.released.length > 0 && this.released[0] <= horizon) this.released.shift();
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.delayMs() === 0) this.waiters.shift()!(this.grant());
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.waiters.length === 0) return;
    const delay = this.delayMs();
    if (delay === 0) {
      queueMicrotask(() => this.wake());
      return;
    }
    // Unref'd: a pending wait must not keep a finished process alive.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, delay);
    this.timer.unref();
  }
}

const shared = new Map<string, RateLimiter>();

/**
 * The process-wide limiter for one credential (keyed by an opaque digest, never the credential).
 * A later client with a different budget changes it for all: the budget is the account's, not a client's.
 */
export function sharedRateLimiter(key: string, budget: RateLimitBudget): RateLimiter {
  let limiter = shared.get(key);
  if (!limiter) {
    limiter = new RateLimiter(budget);
    shared.set(key, limiter);
  } else if (
    limiter.currentBudget.requests !== budget.requests ||
    limiter.currentBudget.seconds !== budget.seconds
  ) {
    limiter.setBudget(budget);
  }
  return limiter;
}
