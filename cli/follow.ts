/**
 * Following a capture until it is done: polls with growing intervals (a simple capture takes seconds, a
 * full one may run a day), with a tick in between so a progress line stays alive. Stops early on the
 * signal (Ctrl-C) or at the deadline.
 */
import { isCaptureDone, type Capture, type PcapClient } from "../client";
import { sleep } from "../client/backoff";

export interface FollowOptions {
  /** Called on every poll and every tick with the latest capture. */
  show: (capture: Capture) => void;
  signal?: AbortSignal;
  /** Give up (calling `onTimeout`, which throws) after this many seconds; default never. */
  timeoutSeconds?: number;
  onTimeout?: (capture: Capture) => never;
  /** Longest interval between polls, ms (default 10 s). */
  maxPollMs?: number;
}

/** Polls start quick and slow down for long waits. */
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 10_000;
/** How often the progress line is refreshed between polls. */
const TICK_MS = 250;

export async function followCapture(
  client: PcapClient,
  accountId: string,
  initial: Capture,
  options: FollowOptions,
): Promise<Capture> {
  const { signal } = options;
  const deadline =
    options.timeoutSeconds === undefined ? Infinity : Date.now() + options.timeoutSeconds * 1000;
  const maxPollMs = options.maxPollMs ?? MAX_POLL_MS;
  let capture = initial;
  let interval = FIRST_POLL_MS;
  let nextPoll = Math.min(Date.now() + interval, deadline);
  for (;;) {
    signal?.throwIfAborted();
    if (isCaptureDone(capture.status)) return capture;
    options.show(capture);
    const now = Date.now();
    if (now >= deadline) return options.onTimeout ? options.onTimeout(capture) : capture;
    if (now < nextPoll) {
      await sleep(Math.min(TICK_MS, nextPoll - now), signal);
      continue;
    }
    capture = await client.getCapture(accountId, capture.id);
    interval = Math.min(maxPollMs, interval * 1.5);
    // The last poll happens at the deadline, not before it, so a capture finishing just then counts.
    nextPoll = Math.min(Date.now() + interval, deadline);
  }
}
