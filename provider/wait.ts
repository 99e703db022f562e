/**
 * Polling until something is done, bounded by a deadline, with intervals growing linearly up to a cap:
 * quick first checks for things that finish fast, then fewer requests for things that take minutes.
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
  const firstInterval = options.firstIntervalMs ?? 1000;
  let interval = firstInterval;
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
    // Linear growth (1, 2, 3 … s): as many polls as ×1.5 over long waits, but never more than twice
    // the polls a fixed interval would need for the same detection delay (×1.5 reached 3×; bench/).
    interval = Math.min(maxInterval, interval + firstInterval);
    value = await options.poll();
  }
  return { done: true, value };
}
