/**
 * Polling until something is done, bounded by a deadline, with growing intervals: quick first checks for
 * things that finish fast, then fewer requests for things that take minutes.
 */
import { logLine } from "./log";

export interface PollOptions<T> {
  /** What is being waited for, for the progress line: `bucket s3://… to validate`. */
  what: string;
  /** Fetches the current state. */
  poll: () => Promise<T>;
  isDone: (value: T) => boolean;
  /** A short word for the current state in the progress line (a status). */
  describe: (value: T) => string;
  timeoutSeconds: number;
  firstIntervalMs?: number;
  maxIntervalMs?: number;
}

export type PollResult<T> = { done: true; value: T } | { done: false; value: T; waitedSeconds: number };

export async function pollUntil<T>(initial: T, options: PollOptions<T>): Promise<PollResult<T>> {
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  let interval = options.firstIntervalMs ?? 1000;
  const maxInterval = options.maxIntervalMs ?? 10_000;
  let value = initial;
  let lastLogged = 0;
  while (!options.isDone(value)) {
    const now = Date.now();
    if (now >= deadline) return { done: false, value, waitedSeconds: Math.round((now - started) / 1000) };
    if (now - lastLogged >= 5000) {
      lastLogged = now;
      logLine(
        `waiting for ${options.what}: ${options.describe(value)} (${Math.round((now - started) / 1000)} s)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, deadline - now)));
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
    value = await options.poll();
  }
  return { done: true, value };
}
