/** Retry timing: exponential backoff with full jitter, bounded by a deadline. */

import { setTimeout } from "node:timers/promises";

/** How the client retries transient failures (see each field's default). */
export interface RetryOptions {
  /** Attempts for transient failures (5xx, connection errors); 429 waits do not count. Default 6. */
  maxAttempts?: number;
  /** First backoff step in ms; doubles per attempt. Default 250. */
  baseDelayMs?: number;
  /** Largest backoff step in ms. Default 8000. */
  maxDelayMs?: number;
  /**
   * No retry is started that would end after this many ms from the call's start. Default 330 000: long
   * enough to sit out Cloudflare's five-minute lockout rather than fail a deployment.
   */
  deadlineMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export function resolveRetryOptions(options: RetryOptions | undefined): ResolvedRetryOptions {
  return {
    maxAttempts: options?.maxAttempts ?? 6,
    baseDelayMs: options?.baseDelayMs ?? 250,
    maxDelayMs: options?.maxDelayMs ?? 8000,
    deadlineMs: options?.deadlineMs ?? 330_000,
  };
}

/** Full jitter: a uniform delay in [0, min(max, base·2^(attempt-1))], so retrying clients spread out. */
export function backoffDelayMs(attempt: number, options: ResolvedRetryOptions, random = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** `retry-after` as seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Waits `ms`; with a signal, rejects with its reason as soon as it is aborted (Ctrl-C). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await setTimeout(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
