/**
 * PacketCapture inputs and stored outputs. The API takes two kinds of capture request, so the inputs
 * are a union on `type`: a simple capture (sampled traffic that already passed) and a full capture
 * (new traffic, into a bucket). Each variant states its own required fields, ranges and the fields
 * only the other one takes; every rule is checked before any request, with the property named.
 */
import { z } from "zod";
import {
  CAPTURE_SYSTEMS,
  CAPTURE_TYPES,
  LIMITS,
  isColoName,
  isIpv4,
  offsetOutsideWindow,
  parseRfc3339,
  type Range,
} from "../../client/rules";
import {
  accountIdInput,
  booleanInput,
  describeType,
  destinationConfInput,
  integerIn,
  requiredString,
  timeoutSecondsInput,
} from "../inputs";

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

const quoted = (values: readonly string[]) => values.map((v) => `"${v}"`).join(" or ");

const system = z
  .enum(CAPTURE_SYSTEMS, {
    error: (issue) => `must be ${quoted(CAPTURE_SYSTEMS)}, not ${JSON.stringify(issue.input)}`,
  })
  .default("magic-transit");

/** Seconds to capture: the range depends on the type. */
function timeLimitFor(type: string, range: Range) {
  const allowed = `an integer from ${range.min} to ${range.max} seconds for ${type} captures`;
  return z
    .number({
      error: (issue) =>
        issue.input === undefined
          ? `is required: seconds, from ${range.min} to ${range.max}`
          : `must be ${allowed}, not ${describeType(issue.input)}`,
    })
    .refine((n) => Number.isInteger(n) && n >= range.min && n <= range.max, {
      error: (issue) => `must be ${allowed}, not ${String(issue.input)}`,
    });
}

/** A property the other type takes: any value is refused, saying which type takes it. */
function onlyFor(type: "simple" | "full", key: string) {
  return z.never({ error: `only ${type} captures take ${key}; remove it or use type "${type}"` }).optional();
}

const coloName = (required?: string) =>
  requiredString("a Cloudflare data centre such as ord02, or a city code such as ORD", required)
    .min(1, { error: "must not be empty: a data centre such as ord02, or a city code such as ORD" })
    .refine((name) => name === "" || isColoName(name), {
      error: (issue) =>
        `must be a data centre such as ord02 or a city code such as ORD (letters, digits, "_" and "-", at most 64), not ${JSON.stringify(String(issue.input).slice(0, 80))}`,
    });

const offsetTime = requiredString("an RFC 3339 time within the last 24 hours").refine(
  (text) => parseRfc3339(text) !== undefined,
  {
    error: (issue) =>
      `must be an RFC 3339 time such as 2026-01-02T15:04:05Z, not ${JSON.stringify(issue.input)}`,
  },
);

/** What both types take alike. */
const common = {
  system,
  filter: filterInput.optional(),
  accountId: accountIdInput.optional(),
  waitForCompletion: booleanInput().optional(),
  completionTimeoutSeconds: timeoutSecondsInput.optional(),
  /**
   * The resource's name in the program, set by the SDK class (the engine tells a dynamic provider no
   * URN), so that a refusal can point at the resource holding the full-capture slot. Never replaces.
   */
  resourceName: z.string().max(1024).optional(),
};

const packetLimit = (required?: string) => integerIn(LIMITS.packetLimit, " packets", required);

export const simpleCaptureInputs = z.object({
  type: z.literal("simple"),
  timeLimit: timeLimitFor("simple", LIMITS.simpleTimeLimit),
  packetLimit: packetLimit(
    `is required for simple captures: from ${LIMITS.packetLimit.min} to ${LIMITS.packetLimit.max} packets`,
  ),
  offsetTime: offsetTime.optional(),
  ...common,
  byteLimit: onlyFor("full", "byteLimit"),
  coloName: onlyFor("full", "coloName"),
  destinationConf: onlyFor("full", "destinationConf"),
  stopped: onlyFor("full", "stopped"),
});

export const fullCaptureInputs = z.object({
  type: z.literal("full"),
  timeLimit: timeLimitFor("full", LIMITS.fullTimeLimit),
  coloName: coloName(
    "is required for full captures: a data centre such as ord02, or a city code such as ORD",
  ),
  destinationConf: destinationConfInput(
    "is required for full captures: the validated bucket to write to (s3://, gs:// or r2://)",
  ),
  byteLimit: integerIn(LIMITS.byteLimit, " bytes").optional(),
  packetLimit: packetLimit().optional(),
  ...common,
  /** The declared state "stopped": false → true stops the capture, true → false replaces it. */
  stopped: booleanInput().optional(),
  offsetTime: onlyFor("simple", "offsetTime"),
});

/** The inputs, as create and update take them (after check). */
export const packetCaptureInputs = z.discriminatedUnion("type", [simpleCaptureInputs, fullCaptureInputs]);
export type PacketCaptureInputs = z.infer<typeof packetCaptureInputs>;

/**
 * Every field any type takes, with its own rules, whatever the type: check reports a field's mistakes
 * even when the type is missing, or unknown during preview.
 */
const anyCaptureFields = z.object({
  type: z.enum(CAPTURE_TYPES, {
    error: (issue) =>
      issue.input === undefined
        ? `is required: the capture type (${quoted(CAPTURE_TYPES)})`
        : `must be ${quoted(CAPTURE_TYPES)}, not ${JSON.stringify(issue.input)}`,
  }),
  timeLimit: z
    .number({ error: (issue) => `must be a number of seconds, not ${describeType(issue.input)}` })
    .optional(),
  packetLimit: packetLimit().optional(),
  byteLimit: integerIn(LIMITS.byteLimit, " bytes").optional(),
  coloName: coloName().optional(),
  destinationConf: destinationConfInput().optional(),
  offsetTime: offsetTime.optional(),
  stopped: booleanInput().optional(),
  ...common,
});

/**
 * The inputs as check takes them: each field's rules, then (when those hold) the rules of the type,
 * and a simple capture's offset within the last 24 hours now. Only check holds the offset to that, and
 * only when it changed (`previousOffsetTime` is the offset in the old inputs): a stored offset is a day
 * old a day later, and every later `up` would fail.
 */
export function packetCaptureInputsAtCheck(previousOffsetTime: unknown, now: () => number = Date.now) {
  return anyCaptureFields.superRefine((fields, ctx) => {
    const parsed = packetCaptureInputs.safeParse(fields);
    if (!parsed.success) {
      // The type's rules, for the fields whose own rules held (those that did not are reported already).
      const reported = new Set(ctx.issues.map((issue) => (issue.path ?? []).map(String).join(".")));
      for (const issue of parsed.error.issues) {
        if (reported.has(issue.path.map(String).join("."))) continue;
        ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      }
      return;
    }
    const input = parsed.data;
    if (input.type !== "simple" || input.offsetTime === undefined) return;
    if (input.offsetTime === previousOffsetTime) return;
    const at = parseRfc3339(input.offsetTime);
    if (at !== undefined && offsetOutsideWindow(at, now()) !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["offsetTime"],
        message: `must be within the last 24 hours (Cloudflare keeps sampled traffic that long), not ${input.offsetTime}`,
      });
    }
  });
}

/**
 * What a PacketCapture keeps in state: the normalized inputs of either type plus what the API reports.
 * One flat object, as 0.1.0 wrote it.
 */
export const packetCaptureState = z.object({
  type: z.enum(CAPTURE_TYPES),
  system: z.string(),
  timeLimit: z.number(),
  packetLimit: z.number().optional(),
  byteLimit: z.number().optional(),
  coloName: z.string().optional(),
  destinationConf: z.string().optional(),
  filter: filterInput.optional(),
  offsetTime: z.string().optional(),
  accountId: z.string(),
  waitForCompletion: z.boolean().optional(),
  completionTimeoutSeconds: z.number().optional(),
  stopped: z.boolean().optional(),
  resourceName: z.string().optional(),
  status: z.string(),
  submitted: z.string().optional(),
  packetsCaptured: z.number().optional(),
  stopRequested: z.string().optional(),
  errorMessage: z.string().optional(),
});
export type PacketCaptureState = z.infer<typeof packetCaptureState>;
