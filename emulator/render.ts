/**
 * Stored objects → the wire's snake_case objects, sending exactly the fields the official SDK declares
 * for each type (PCAP-API.md, "Capture object" and "Bucket ownership") and nothing a client could lean
 * on that Cloudflare does not promise — `packet_limit` is kept, but never sent. Where the published
 * sources leave a choice, {@link AnswerShape} picks the reading.
 */
import { deriveStatus } from "./lifecycle";
import type { StoredCapture, StoredOwnership } from "./state";
import { withUnknownFields } from "./unknown-fields";
import type { WireCapture, WireOwnership } from "./wire";

/** The readings of the published sources an emulator run takes (options of the same names). */
export interface AnswerShape {
  /** The status a finished simple capture is reported with; the SDK's enum has both. */
  finishedSimpleStatus: "success" | "complete";
  /** Add {@link UNKNOWN_FIELDS} to every capture and ownership object. */
  unknownFields: boolean;
}

export const DEFAULT_ANSWER_SHAPE: AnswerShape = { finishedSimpleStatus: "success", unknownFields: true };

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function simpleCapture(capture: StoredCapture, now: number, shape: AnswerShape): WireCapture {
  const { status } = deriveStatus(capture, now);
  // The SDK's simple type (`PCAP`) declares no error_message: a failed simple capture says only "failed".
  return {
    ...common(capture),
    status: status === "success" ? shape.finishedSimpleStatus : status,
    offset_time: capture.offsetTime ?? iso(capture.submittedMs),
  };
}

function fullCapture(capture: StoredCapture, now: number): WireCapture {
  const derived = deriveStatus(capture, now);
  const wire: WireCapture = {
    ...common(capture),
    status: derived.status,
    colo_name: capture.coloName,
    destination_conf: capture.destinationConf,
    packets_captured: derived.packetsCaptured ?? 0,
  };
  if (capture.byteLimit !== undefined) wire.byte_limit = capture.byteLimit;
  if (capture.stopRequestedMs !== undefined) wire.stop_requested = iso(capture.stopRequestedMs);
  if (derived.errorMessage !== undefined) wire.error_message = derived.errorMessage;
  return wire;
}

function common(capture: StoredCapture): Omit<WireCapture, "status"> {
  return {
    id: capture.id,
    type: capture.type,
    system: capture.system,
    time_limit: capture.timeLimit,
    filter_v1: { ...capture.filter },
    submitted: iso(capture.submittedMs),
  };
}

export function renderCapture(capture: StoredCapture, now: number, shape: AnswerShape): WireCapture {
  const wire = capture.type === "simple" ? simpleCapture(capture, now, shape) : fullCapture(capture, now);
  return shape.unknownFields ? withUnknownFields(wire) : wire;
}

/** Status of an ownership at `now`: a validation delay keeps a correct validation pending. */
export function ownershipStatus(
  ownership: StoredOwnership,
  now: number,
): { status: WireOwnership["status"]; validated: string } {
  if (ownership.status === "success" && ownership.validatedMs !== undefined) {
    return ownership.validatedMs <= now
      ? { status: "success", validated: iso(ownership.validatedMs) }
      : { status: "pending", validated: "" };
  }
  return { status: ownership.status, validated: "" };
}

export function renderOwnership(ownership: StoredOwnership, now: number, shape: AnswerShape): WireOwnership {
  const { status, validated } = ownershipStatus(ownership, now);
  const wire: WireOwnership = {
    id: ownership.id,
    destination_conf: ownership.destinationConf,
    filename: ownership.filename,
    status,
    submitted: iso(ownership.submittedMs),
    validated,
  };
  return shape.unknownFields ? withUnknownFields(wire) : wire;
}
