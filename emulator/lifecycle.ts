/**
 * A capture's status as a pure function of its timestamps and the emulated time: no timer flips a
 * status, so answers are deterministic under `advance()` and survive a restart unchanged. The only
 * stored transition is a full capture's final outcome, fixed when its file is written (conversion.ts).
 */
import type { StoredCapture } from "./state";

/** A simple capture is `pending` for min(time_limit, this) emulated seconds, then done. */
export const SIMPLE_READY_MAX_SECONDS = 10;
/** Full capture phases before and after collecting, in emulated seconds. */
export const FULL_PENDING_SECONDS = 5;
export const CONVERSION_PENDING_SECONDS = 5;
export const CONVERSION_RUNNING_SECONDS = 5;
/** Matching packets a running full capture collects per emulated second. */
export const PACKETS_PER_SECOND = 10;
/** Bytes each emulated packet counts against `byte_limit`. */
export const BYTES_PER_PACKET = 1000;
/** Packets in a simple capture's download per second of `time_limit` (capped by `packet_limit`). */
export const SIMPLE_PACKETS_PER_SECOND = 20;

export const NO_MATCH_MESSAGE = "no packets matched filter_v1 during the capture";

export interface FullTimeline {
  /** When collecting starts (end of `pending`). */
  runningFrom: number;
  /** When collecting ends: time limit, packet/byte limit reached, or stop requested. */
  runningUntil: number;
  /** End of `conversion_pending`. */
  conversionFrom: number;
  /** End of `conversion_running`: the file is written and the outcome fixed. */
  doneAt: number;
  /** Most packets the limits allow. */
  packetCap: number;
}

/** Packets the limits allow: packet_limit, byte_limit at BYTES_PER_PACKET each, or none. */
function packetCap(capture: StoredCapture): number {
  let cap = Number.POSITIVE_INFINITY;
  if (capture.packetLimit !== undefined) cap = Math.min(cap, capture.packetLimit);
  if (capture.byteLimit !== undefined) cap = Math.min(cap, Math.floor(capture.byteLimit / BYTES_PER_PACKET));
  return cap;
}

export function fullTimeline(capture: StoredCapture): FullTimeline {
  const runningFrom = capture.submittedMs + FULL_PENDING_SECONDS * 1000;
  const cap = packetCap(capture);
  let runningUntil = runningFrom + capture.timeLimit * 1000;
  // A capture whose filter never matches never reaches a packet limit: it runs out its time.
  if (capture.canMatch && Number.isFinite(cap)) {
    runningUntil = Math.min(runningUntil, runningFrom + Math.ceil((cap * 1000) / PACKETS_PER_SECOND));
  }
  if (capture.stopRequestedMs !== undefined) runningUntil = Math.min(runningUntil, capture.stopRequestedMs);
  const conversionFrom = Math.max(runningUntil, capture.submittedMs) + CONVERSION_PENDING_SECONDS * 1000;
  return {
    runningFrom,
    runningUntil,
    conversionFrom,
    doneAt: conversionFrom + CONVERSION_RUNNING_SECONDS * 1000,
    packetCap: cap,
  };
}

/** Packets a full capture holds at `now` (never more than its limits allow). */
export function packetsAt(capture: StoredCapture, now: number): number {
  if (!capture.canMatch) return 0;
  const t = fullTimeline(capture);
  const elapsed = Math.max(0, Math.min(now, t.runningUntil) - t.runningFrom);
  return Math.min(t.packetCap, Math.floor((elapsed * PACKETS_PER_SECOND) / 1000));
}

export interface DerivedStatus {
  status: string;
  packetsCaptured?: number;
  errorMessage?: string;
}

export function simpleReadyAt(capture: StoredCapture): number {
  return capture.submittedMs + Math.min(capture.timeLimit, SIMPLE_READY_MAX_SECONDS) * 1000;
}

export function deriveStatus(capture: StoredCapture, now: number): DerivedStatus {
  if (capture.type === "simple") {
    if (now < simpleReadyAt(capture)) return { status: "pending" };
    return capture.canMatch ? { status: "success" } : { status: "failed", errorMessage: NO_MATCH_MESSAGE };
  }
  if (capture.outcome) {
    const { status, packets, errorMessage } = capture.outcome;
    return errorMessage === undefined
      ? { status, packetsCaptured: packets }
      : { status, packetsCaptured: packets, errorMessage };
  }
  const t = fullTimeline(capture);
  const packetsCaptured = packetsAt(capture, now);
  if (now < Math.min(t.runningFrom, t.runningUntil)) return { status: "pending", packetsCaptured };
  if (now < t.runningUntil) return { status: "running", packetsCaptured };
  if (now < t.conversionFrom) return { status: "conversion_pending", packetsCaptured };
  // Past doneAt without an outcome only between the clock passing it and the next sweep; the sweep
  // runs before every request is answered, so clients never see this.
  return { status: "conversion_running", packetsCaptured };
}

/** Pending or running: the states in which a full capture can be stopped and blocks another one. */
export function isActive(capture: StoredCapture, now: number): boolean {
  const { status } = deriveStatus(capture, now);
  return capture.type === "full" && (status === "pending" || status === "running");
}

/** How many packets a simple capture's download holds. */
export function simpleDownloadPackets(capture: StoredCapture, override: number | undefined): number {
  if (override !== undefined) return override;
  return Math.min(
    capture.packetLimit ?? Number.POSITIVE_INFINITY,
    capture.timeLimit * SIMPLE_PACKETS_PER_SECOND,
  );
}
