/**
 * PacketCapture inputs and stored outputs. The API's rules per capture type (required fields, ranges,
 * fields only one type takes) are checked here, before any request, with the property named.
 */
import { z } from "zod";
import {
  CAPTURE_SYSTEMS,
  CAPTURE_TYPES,
  LIMITS,
  MAX_OFFSET_MS,
  isColoName,
  isIpv4,
  parseRfc3339,
} from "../../client/rules";
import {
  accountIdInput,
  booleanInput,
  destinationConfInput,
  integerIn,
  requiredString,
  timeoutSecondsInput,
} from "../check";

const ipv4 = requiredString("an IPv4 address such as 203.0.113.7").refine(isIpv4, {
  error: (issue) => `must be an IPv4 address such as 203.0.113.7, not ${JSON.stringify(issue.input)}`,
});

export const filterInput = z.object(
  {
    sourceAddress: ipv4.optional(),
    destinationAddress: ipv4.optional(),
    protocol: integerIn(LIMITS.protocol, " (the IP protocol number: 6 TCP, 17 UDP, 1 ICMP)").optional(),
    sourcePort: integerIn(LIMITS.port).optional(),
    destinationPort: integerIn(LIMITS.port).optional(),
  },
  {
    error: "must be an object with sourceAddress, destinationAddress, protocol, sourcePort, destinationPort",
  },
);

const oneOf = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? `is required: ${what} (${values.map((v) => `"${v}"`).join(" or ")})`
        : `must be ${values.map((v) => `"${v}"`).join(" or ")}, not ${JSON.stringify(issue.input)}`,
  });

/** Every field any type takes; the per-type rules follow in {@link packetCaptureInputs}. */
const captureFields = z.object({
  type: oneOf(CAPTURE_TYPES, "the capture type"),
  system: oneOf(CAPTURE_SYSTEMS, "the system").default("magic-transit"),
  timeLimit: z.number().optional(), // its range depends on the type: checked below
  packetLimit: integerIn(LIMITS.packetLimit, " packets").optional(),
  byteLimit: integerIn(LIMITS.byteLimit, " bytes").optional(),
  coloName: requiredString("a Cloudflare data centre such as ord02, or a city code such as ORD")
    .min(1, { error: "must not be empty: a data centre such as ord02, or a city code such as ORD" })
    .refine((name) => name === "" || isColoName(name), {
      error: (issue) =>
        `must be a data centre such as ord02 or a city code such as ORD (letters, digits, "_" and "-", at most 64), not ${JSON.stringify(String(issue.input).slice(0, 80))}`,
    })
    .optional(),
  destinationConf: destinationConfInput.optional(),
  filter: filterInput.optional(),
  offsetTime: requiredString("an RFC 3339 time within the last 24 hours").optional(),
  accountId: accountIdInput.optional(),
  waitForCompletion: booleanInput().optional(),
  completionTimeoutSeconds: timeoutSecondsInput.optional(),
  stopped: booleanInput().optional(),
  /**
   * The resource's name in the program, set by the SDK class (the engine tells a dynamic provider no
   * URN), so that a refusal can point at the resource holding the full-capture slot. Never replaces.
   */
  resourceName: z.string().max(1024).optional(),
});

/** Fields only one type takes, and why the other cannot. */
const FULL_ONLY = ["byteLimit", "coloName", "destinationConf", "stopped"] as const;
const SIMPLE_ONLY = ["offsetTime"] as const;

/**
 * The inputs schema. `previousOffsetTime` is the offset already in state: an unchanged offset is not
 * held to the 24-hour window again, or every later `up` of a capture would fail a day after creating it.
 */
export function packetCaptureInputs(previousOffsetTime?: unknown, now: () => number = Date.now) {
  return captureFields.superRefine((input, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const isFull = input.type === "full";
    const timeRange = isFull ? LIMITS.fullTimeLimit : LIMITS.simpleTimeLimit;
    if (input.timeLimit === undefined)
      fail("timeLimit", `is required: seconds, from ${timeRange.min} to ${timeRange.max}`);
    else if (
      !Number.isInteger(input.timeLimit) ||
      input.timeLimit < timeRange.min ||
      input.timeLimit > timeRange.max
    ) {
      fail(
        "timeLimit",
        `must be an integer from ${timeRange.min} to ${timeRange.max} seconds for ${input.type} captures, not ${input.timeLimit}`,
      );
    }
    if (isFull) {
      if (input.coloName === undefined)
        fail(
          "coloName",
          "is required for full captures: a data centre such as ord02, or a city code such as ORD",
        );
      if (input.destinationConf === undefined) {
        fail(
          "destinationConf",
          "is required for full captures: the validated bucket to write to (s3://, gs:// or r2://)",
        );
      }
      for (const key of SIMPLE_ONLY) {
        if (input[key] !== undefined)
          fail(key, `only simple captures take ${key}; remove it or use type "simple"`);
      }
    } else {
      if (input.packetLimit === undefined) {
        fail(
          "packetLimit",
          `is required for simple captures: from ${LIMITS.packetLimit.min} to ${LIMITS.packetLimit.max} packets`,
        );
      }
      for (const key of FULL_ONLY) {
        if (input[key] !== undefined)
          fail(key, `only full captures take ${key}; remove it or use type "full"`);
      }
      if (input.offsetTime !== undefined && input.offsetTime !== previousOffsetTime) {
        const at = parseRfc3339(input.offsetTime);
        if (at === undefined)
          fail(
            "offsetTime",
            `must be an RFC 3339 time such as 2026-01-02T15:04:05Z, not ${JSON.stringify(input.offsetTime)}`,
          );
        else if (at > now() + 60_000 || at < now() - MAX_OFFSET_MS) {
          fail(
            "offsetTime",
            `must be within the last 24 hours (Cloudflare keeps sampled traffic that long), not ${input.offsetTime}`,
          );
        }
      }
    }
  });
}

export type PacketCaptureInputs = z.infer<typeof captureFields> & { timeLimit: number };

/** What a PacketCapture keeps in state: the normalized inputs plus what the API reports. */
export const packetCaptureState = captureFields.extend({
  type: z.enum(CAPTURE_TYPES),
  system: z.string(),
  timeLimit: z.number(),
  accountId: z.string(),
  status: z.string(),
  submitted: z.string().optional(),
  packetsCaptured: z.number().optional(),
  stopRequested: z.string().optional(),
  errorMessage: z.string().optional(),
});
export type PacketCaptureState = z.infer<typeof packetCaptureState>;

/** Inputs that define what is captured: any change means a new capture (captures cannot be edited). */
export const CAPTURE_DEFINING_INPUTS = [
  "type",
  "system",
  "timeLimit",
  "packetLimit",
  "byteLimit",
  "coloName",
  "destinationConf",
  "filter",
  "offsetTime",
] as const;
