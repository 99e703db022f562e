/**
 * Request-body validation for every POST, from the emulator's own reading of the API's rules (rules.ts),
 * never the client's: where the two disagree, a test between them shows it. Every invalid field is
 * reported at once, each naming the field in its message and in `source.pointer`. Unknown fields are
 * ignored, as the real API does; only the known fields are ever read, so a hostile body cannot make
 * validation recurse.
 */
import type { WireFilter } from "./wire";
import {
  BOUNDS,
  OFFSET_WINDOW_MS,
  SYSTEMS,
  TYPES,
  isColoName,
  isIpv4Address,
  isWholeIn,
  readBucketUri,
  rfc3339Ms,
  type WholeRange,
} from "./rules";
import { ApiError, fieldError } from "./errors";

/** How far into the (emulated) future an offset_time may be: client and server clocks differ a little. */
export const OFFSET_FUTURE_SKEW_MS = 60_000;

export interface ValidCaptureRequest {
  type: "simple" | "full";
  system: string;
  timeLimit: number;
  filter: WireFilter;
  packetLimit?: number;
  offsetTime?: string;
  byteLimit?: number;
  coloName?: string;
  destinationConf?: string;
}

const FULL_ONLY = ["colo_name", "destination_conf", "byte_limit"] as const;
const SIMPLE_ONLY = ["offset_time"] as const;

type Body = Record<string, unknown>;

/** A field counts as absent when missing or null (clients that serialize optionals as null). */
function given(body: Body, key: string): boolean {
  return body[key] !== undefined && body[key] !== null;
}

/** Short, safe rendering of a rejected value for a message (never a whole body). */
function shown(value: unknown): string {
  const text =
    typeof value === "string"
      ? JSON.stringify(value)
      : typeof value === "number"
        ? String(value)
        : typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

class Collector {
  readonly errors: ApiError[] = [];

  missing(field: string, why: string): void {
    this.errors.push(fieldError("missingField", field, `${field} is required ${why}`));
  }

  invalid(field: string, message: string): void {
    this.errors.push(fieldError("invalidField", field, message));
  }

  integer(body: Body, key: string, path: string, range: WholeRange, what: string): number | undefined {
    const value = body[key];
    if (isWholeIn(value, range)) return value;
    this.invalid(
      path,
      `${path} must be an integer from ${range.min} to ${range.max}${what} (got ${shown(value)})`,
    );
    return undefined;
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw ApiError.all(this.errors);
  }
}

function validateFilter(value: unknown, errors: Collector): WireFilter {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    errors.invalid(
      "filter_v1",
      `filter_v1 must be an object (got ${Array.isArray(value) ? "array" : shown(value)})`,
    );
    return {};
  }
  const raw = value as Body;
  const filter: WireFilter = {};
  for (const key of ["source_address", "destination_address"] as const) {
    if (!given(raw, key)) continue;
    const v = raw[key];
    if (typeof v === "string" && isIpv4Address(v)) filter[key] = v;
    else errors.invalid(`filter_v1.${key}`, `filter_v1.${key} must be an IPv4 address (got ${shown(v)})`);
  }
  if (given(raw, "protocol")) {
    filter.protocol = errors.integer(
      raw,
      "protocol",
      "filter_v1.protocol",
      BOUNDS.protocol,
      " (an IP protocol number)",
    );
  }
  for (const key of ["source_port", "destination_port"] as const) {
    if (given(raw, key)) filter[key] = errors.integer(raw, key, `filter_v1.${key}`, BOUNDS.port, "");
  }
  return filter;
}

function validateOffset(body: Body, now: number, errors: Collector): string | undefined {
  const value = body.offset_time;
  const ms = typeof value === "string" ? rfc3339Ms(value) : undefined;
  if (ms === undefined) {
    errors.invalid("offset_time", `offset_time must be an RFC 3339 timestamp (got ${shown(value)})`);
    return undefined;
  }
  if (ms < now - OFFSET_WINDOW_MS || ms > now + OFFSET_FUTURE_SKEW_MS) {
    errors.invalid("offset_time", `offset_time must be within the last 24 hours (got ${shown(value)})`);
    return undefined;
  }
  return value as string;
}

/** Validates a POST /pcaps body; `now` is emulated time (for offset_time's 24-hour window). */
export function validateCaptureRequest(body: Body, now: number): ValidCaptureRequest {
  const errors = new Collector();
  if (!given(body, "system")) errors.missing("system", "(allowed: magic-transit)");
  else if (typeof body.system !== "string" || !SYSTEMS.includes(body.system)) {
    errors.invalid("system", `system must be one of ${SYSTEMS.join(", ")} (got ${shown(body.system)})`);
  }
  if (!given(body, "type")) errors.missing("type", "(simple or full)");
  else if (typeof body.type !== "string" || !TYPES.includes(body.type)) {
    errors.invalid("type", `type must be one of ${TYPES.join(", ")} (got ${shown(body.type)})`);
  }
  // Without a valid type the other fields' rules are unknown: report what is known so far.
  errors.throwIfAny();
  const type = body.type as "simple" | "full";
  const request: ValidCaptureRequest = { type, system: body.system as string, timeLimit: 0, filter: {} };

  const timeRange = type === "simple" ? BOUNDS.simpleTimeLimit : BOUNDS.fullTimeLimit;
  if (!given(body, "time_limit"))
    errors.missing("time_limit", `for a ${type} capture (seconds, ${timeRange.min}–${timeRange.max})`);
  else
    request.timeLimit =
      errors.integer(body, "time_limit", "time_limit", timeRange, ` seconds for a ${type} capture`) ?? 0;

  if (given(body, "packet_limit")) {
    request.packetLimit = errors.integer(body, "packet_limit", "packet_limit", BOUNDS.packetLimit, "");
  } else if (type === "simple") {
    errors.missing(
      "packet_limit",
      `for a simple capture (${BOUNDS.packetLimit.min}–${BOUNDS.packetLimit.max})`,
    );
  }
  request.filter = validateFilter(body.filter_v1, errors);

  if (type === "simple") {
    for (const key of FULL_ONLY) {
      if (given(body, key))
        errors.errors.push(fieldError("fieldNotAllowed", key, `${key} applies only to full captures`));
    }
    if (given(body, "offset_time")) request.offsetTime = validateOffset(body, now, errors);
  } else {
    for (const key of SIMPLE_ONLY) {
      if (given(body, key))
        errors.errors.push(fieldError("fieldNotAllowed", key, `${key} applies only to simple captures`));
    }
    if (!given(body, "colo_name"))
      errors.missing("colo_name", "for a full capture (a data centre, e.g. ord02 or ORD)");
    else if (typeof body.colo_name !== "string" || !isColoName(body.colo_name)) {
      errors.invalid(
        "colo_name",
        `colo_name must be a data centre name such as ord02 or ORD (got ${shown(body.colo_name)})`,
      );
    } else request.coloName = body.colo_name;
    if (!given(body, "destination_conf"))
      errors.missing("destination_conf", "for a full capture (a validated bucket URI)");
    else request.destinationConf = validateDestinationField(body.destination_conf, errors);
    if (given(body, "byte_limit")) {
      request.byteLimit = errors.integer(body, "byte_limit", "byte_limit", BOUNDS.byteLimit, " bytes");
    }
  }
  errors.throwIfAny();
  return request;
}

function validateDestinationField(value: unknown, errors: Collector): string | undefined {
  if (typeof value !== "string") {
    errors.invalid("destination_conf", `destination_conf must be a string (got ${shown(value)})`);
    return undefined;
  }
  const parsed = readBucketUri(value);
  if ("problem" in parsed) {
    errors.errors.push(
      new ApiError("invalidDestination", `destination_conf: ${parsed.problem}`, {
        pointer: "/destination_conf",
      }),
    );
    return undefined;
  }
  return value;
}

/** POST /pcaps/ownership: `{destination_conf}`. */
export function validateOwnershipRequest(body: Body): { destinationConf: string } {
  const errors = new Collector();
  let destinationConf: string | undefined;
  if (!given(body, "destination_conf")) errors.missing("destination_conf", "(the bucket URI to register)");
  else destinationConf = validateDestinationField(body.destination_conf, errors);
  errors.throwIfAny();
  return { destinationConf: destinationConf as string };
}

/** POST /pcaps/ownership/validate: `{destination_conf, ownership_challenge}`. */
export function validateValidationRequest(body: Body): { destinationConf: string; challenge: string } {
  const errors = new Collector();
  let destinationConf: string | undefined;
  let challenge: string | undefined;
  if (!given(body, "destination_conf")) errors.missing("destination_conf", "(the registered bucket URI)");
  else destinationConf = validateDestinationField(body.destination_conf, errors);
  if (!given(body, "ownership_challenge")) {
    errors.missing("ownership_challenge", "(the content of the challenge file in the bucket)");
  } else if (typeof body.ownership_challenge !== "string" || body.ownership_challenge.length === 0) {
    errors.invalid(
      "ownership_challenge",
      `ownership_challenge must be a non-empty string (got ${shown(body.ownership_challenge)})`,
    );
  } else challenge = body.ownership_challenge;
  errors.throwIfAny();
  return { destinationConf: destinationConf as string, challenge: challenge as string };
}
