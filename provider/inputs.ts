/**
 * Building blocks of the resources' input schemas, with messages that name the property's allowed
 * values (`must be an integer from 1 to 300 seconds, not 301`) and, where a property is required only
 * in some cases, why (`is required for full captures: …`).
 */
import { z } from "zod";
import { inRange, parseDestination, type Range } from "../client/rules";

/** A short description of a value that was not what a property takes, without echoing it whole. */
export function describeType(input: unknown): string {
  if (input === null || input === undefined) return String(input);
  if (Array.isArray(input)) return "an array";
  if (typeof input === "number" && Number.isNaN(input)) return "NaN";
  return typeof input === "string" ? `the string ${JSON.stringify(input.slice(0, 80))}` : `a ${typeof input}`;
}

/** A string property; `required` is the message when it is missing (default: `is required: <what>`). */
export function requiredString(what: string, required = `is required: ${what}`) {
  return z.string({
    error: (issue) =>
      issue.input === undefined ? required : `must be ${what}, not ${describeType(issue.input)}`,
  });
}

/** An integer in a range; `required` is the message when it is missing. */
export function integerIn(range: Range, unit = "", required?: string) {
  const allowed = `an integer from ${range.min} to ${range.max}${unit}`;
  return z
    .number({
      error: (issue) =>
        issue.input === undefined
          ? (required ?? `is required: ${allowed}`)
          : `must be ${allowed}, not ${describeType(issue.input)}`,
    })
    .refine((n) => inRange(n, range), { error: (issue) => `must be ${allowed}, not ${String(issue.input)}` });
}

export function booleanInput() {
  return z.boolean({ error: (issue) => `must be true or false, not ${describeType(issue.input)}` });
}

export const accountIdInput = z
  .string({
    error: (issue) =>
      `must be a Cloudflare account id (32 hexadecimal characters), not ${describeType(issue.input)}`,
  })
  .regex(/^[0-9a-f]{32}$/, { error: "must be a Cloudflare account id: 32 lowercase hexadecimal characters" });

/** A bucket URI, as Cloudflare takes it; `required` is the message when it is missing. */
export function destinationConfInput(required?: string) {
  return requiredString(
    "a bucket URI: s3://<bucket>[/dir]?region=<region>, gs://<bucket>[/dir] or r2://<bucket>[/dir]?account-id=<id>",
    required,
  ).superRefine((value, ctx) => {
    const parsed = parseDestination(value);
    if ("error" in parsed) ctx.addIssue({ code: "custom", message: parsed.error });
  });
}

export const ownershipChallengeInput = requiredString(
  "the contents of the challenge file Cloudflare wrote into the bucket",
).min(1, {
  error: "must not be empty: it is the contents of the challenge file Cloudflare wrote into the bucket",
});

/** Waits are bounded: 1 s to 24 h. */
export const timeoutSecondsInput = integerIn({ min: 1, max: 86_400 }, " seconds");

/** A property another variant takes: any value is refused, saying which variant takes it. */
export function onlyIn(variant: string, key: string) {
  return z
    .never({ error: `only ${variant} captures take ${key}; remove it or use type "${variant}"` })
    .optional();
}
