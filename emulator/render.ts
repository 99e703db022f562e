/**
 * Stored objects → the wire's snake_case objects, sending exactly the fields that apply to each type
 * (the contract's "Capture object" and "Bucket ownership" sections).
 */
import type { WireCapture, WireOwnership } from "../provider/api/wire";
import { deriveStatus } from "./lifecycle";
import type { StoredCapture, StoredOwnership } from "./state";

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function renderCapture(capture: StoredCapture, now: number): WireCapture {
  const derived = deriveStatus(capture, now);
  const wire: WireCapture = {
    id: capture.id,
    type: capture.type,
    system: capture.system,
    time_limit: capture.timeLimit,
    filter_v1: { ...capture.filter },
    submitted: iso(capture.submittedMs),
    status: derived.status,
  };
  if (capture.type === "simple") {
    wire.offset_time = capture.offsetTime;
    wire.packet_limit = capture.packetLimit;
  } else {
    wire.colo_name = capture.coloName;
    wire.destination_conf = capture.destinationConf;
    if (capture.byteLimit !== undefined) wire.byte_limit = capture.byteLimit;
    if (capture.packetLimit !== undefined) wire.packet_limit = capture.packetLimit;
    wire.packets_captured = derived.packetsCaptured ?? 0;
    if (capture.stopRequestedMs !== undefined) wire.stop_requested = iso(capture.stopRequestedMs);
  }
  if (derived.errorMessage !== undefined) wire.error_message = derived.errorMessage;
  return wire;
}

/** Status of an ownership at `now`: a validation delay keeps a correct validation pending. */
export function ownershipStatus(
  ownership: StoredOwnership,
  now: number,
): { status: string; validated: string } {
  if (ownership.status === "success" && ownership.validatedMs !== undefined) {
    return ownership.validatedMs <= now
      ? { status: "success", validated: iso(ownership.validatedMs) }
      : { status: "pending", validated: "" };
  }
  return { status: ownership.status, validated: "" };
}

export function renderOwnership(ownership: StoredOwnership, now: number): WireOwnership {
  const { status, validated } = ownershipStatus(ownership, now);
  return {
    id: ownership.id,
    destination_conf: ownership.destinationConf,
    filename: ownership.filename,
    status,
    submitted: iso(ownership.submittedMs),
    validated,
  };
}
