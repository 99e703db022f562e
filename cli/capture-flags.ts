/**
 * `capture`'s flags → a capture request, checked with the client's rules (client/rules.ts) so that a
 * wrong flag is reported, naming it and what it allows, before any request is sent.
 */
import type { CaptureFilter, CaptureRequest } from "../client";
import {
  CAPTURE_SYSTEMS,
  CAPTURE_TYPES,
  LIMITS,
  isColoName,
  isIpv4,
  offsetOutsideWindow,
  parseDestination,
  parseRfc3339,
  type Range,
} from "../client/rules";
import { UsageError } from "./io";
import type { HelpTopic } from "./usage";

/** The flags `capture` reads here, as parseArgs returns them. */
export interface CaptureFlags {
  type?: string;
  "time-limit"?: string;
  "packet-limit"?: string;
  "byte-limit"?: string;
  colo?: string;
  destination?: string;
  src?: string;
  dst?: string;
  "src-port"?: string;
  "dst-port"?: string;
  protocol?: string;
  "offset-time"?: string;
}

/** Protocol names `--protocol` takes, with their IP protocol numbers. */
export const PROTOCOL_NAMES: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

/** Flags only one type of capture takes, and why, for the message when given to the other. */
const FULL_ONLY = ["colo", "destination", "byte-limit"] as const;
const SIMPLE_ONLY = ["offset-time"] as const;

function fail(message: string): never {
  throw new UsageError(message, "capture");
}

export function captureRequestFrom(flags: CaptureFlags, now: number): CaptureRequest {
  const type = flags.type;
  if (type === undefined) fail(`missing --type (${CAPTURE_TYPES.join(" or ")})`);
  if (type !== "simple" && type !== "full") fail(`--type must be simple or full (got "${type}")`);
  const system = CAPTURE_SYSTEMS[0];
  const filter = filterFrom(flags);
  const filtered = Object.keys(filter).length > 0 ? { filter } : {};

  if (type === "simple") {
    for (const flag of FULL_ONLY) {
      if (flags[flag] !== undefined) fail(`--${flag} only applies to --type full`);
    }
    const timeLimit = required(flags, "time-limit", LIMITS.simpleTimeLimit, " seconds for simple captures");
    if (flags["packet-limit"] === undefined) {
      fail(
        `a simple capture needs --packet-limit (${LIMITS.packetLimit.min} to ${LIMITS.packetLimit.max} packets)`,
      );
    }
    const packetLimit = integerFlag("packet-limit", flags["packet-limit"], LIMITS.packetLimit, " packets");
    const offsetTime = flags["offset-time"];
    if (offsetTime !== undefined) checkOffsetTime(offsetTime, now);
    return {
      type,
      system,
      timeLimit,
      packetLimit,
      ...filtered,
      ...(offsetTime !== undefined ? { offsetTime } : {}),
    };
  }

  for (const flag of SIMPLE_ONLY) {
    if (flags[flag] !== undefined) {
      fail(`--${flag} only applies to --type simple (full captures record new traffic)`);
    }
  }
  const timeLimit = required(flags, "time-limit", LIMITS.fullTimeLimit, " seconds for full captures");
  const coloName = flags.colo;
  const destinationConf = flags.destination;
  if (coloName === undefined || destinationConf === undefined) {
    fail(
      `a full capture needs --colo (the data centre to capture in, e.g. ord02) and --destination ` +
        `(a validated bucket: s3://, gs:// or r2://<bucket>[/dir]); missing ${coloName === undefined ? "--colo" : "--destination"}`,
    );
  }
  if (!isColoName(coloName)) {
    fail(
      `--colo must be a data centre name such as ord02 (letters, digits, "_" and "-") (got "${coloName}")`,
    );
  }
  const destination = parseDestination(destinationConf);
  if ("error" in destination) fail(`--destination: ${destination.error}`);
  const packetLimit = optional(flags, "packet-limit", LIMITS.packetLimit, " packets");
  const byteLimit = optional(flags, "byte-limit", LIMITS.byteLimit, " bytes");
  return {
    type,
    system,
    timeLimit,
    coloName: coloName,
    destinationConf: destinationConf,
    ...(packetLimit !== undefined ? { packetLimit } : {}),
    ...(byteLimit !== undefined ? { byteLimit } : {}),
    ...filtered,
  };
}

function filterFrom(flags: CaptureFlags): CaptureFilter {
  const filter: CaptureFilter = {};
  for (const [flag, field] of [
    ["src", "sourceAddress"],
    ["dst", "destinationAddress"],
  ] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    if (!isIpv4(value)) fail(`--${flag} must be an IPv4 address such as 203.0.113.7 (got "${value}")`);
    filter[field] = value;
  }
  if (flags.protocol !== undefined) filter.protocol = protocolOf(flags.protocol);
  for (const [flag, field] of [
    ["src-port", "sourcePort"],
    ["dst-port", "destinationPort"],
  ] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    filter[field] = integerFlag(flag, value, LIMITS.port);
    // Cloudflare accepts the request and the capture then fails: nothing but TCP and UDP has ports.
    if (filter.protocol !== undefined && filter.protocol !== 6 && filter.protocol !== 17) {
      fail(`--${flag} needs --protocol tcp or udp (or none): only TCP and UDP packets have ports`);
    }
  }
  return filter;
}

function protocolOf(text: string): number {
  const named = PROTOCOL_NAMES[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(text) || Number(text) > LIMITS.protocol.max) {
    fail(
      `--protocol must be ${Object.keys(PROTOCOL_NAMES).join(", ")} or an IP protocol number from ` +
        `${LIMITS.protocol.min} to ${LIMITS.protocol.max} (got "${text}")`,
    );
  }
  return Number(text);
}

function checkOffsetTime(text: string, now: number): void {
  const at = parseRfc3339(text);
  if (at === undefined) {
    fail(`--offset-time must be an RFC 3339 time such as 2026-01-31T09:30:00Z (got "${text}")`);
  }
  const outside = offsetOutsideWindow(at, now);
  if (outside !== undefined) {
    fail(
      `--offset-time must be within the last 24 hours (Cloudflare keeps sampled traffic that long); ` +
        `${text} is ${outside}`,
    );
  }
}

function required(flags: CaptureFlags, flag: "time-limit", range: Range, unit: string): number {
  const value = flags[flag];
  if (value === undefined) fail(`missing --${flag}: from ${range.min} to ${range.max}${unit}`);
  return integerFlag(flag, value, range, unit);
}

function optional(
  flags: CaptureFlags,
  flag: "packet-limit" | "byte-limit",
  range: Range,
  unit: string,
): number | undefined {
  const value = flags[flag];
  return value === undefined ? undefined : integerFlag(flag, value, range, unit);
}

/**
 * A whole number in `range`, written in plain decimal digits: "1e3", "0x10", " 5" and "5.0" are
 * mistakes more often than intent, so they are refused rather than guessed at.
 */
export function integerFlag(
  flag: string,
  text: string,
  range: Range,
  unit = "",
  topic: HelpTopic = "capture",
): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < range.min || value > range.max) {
    throw new UsageError(
      `--${flag} must be an integer from ${range.min} to ${range.max}${unit} (got "${text}")`,
      topic,
    );
  }
  return value;
}
