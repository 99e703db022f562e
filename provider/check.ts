/**
 * Input checking for the resources: a zod schema per resource, failures reported per property (dotted
 * path, e.g. `filter.destinationPort`) with the allowed values, before any API call. During preview the
 * engine sends not-yet-known values as a sentinel string; those pass unchecked and are kept as they are.
 */
import { z } from "zod";
import type { CheckFailure, CheckResult } from "@pulumi/pulumi/dynamic";
import { inRange, parseDestination, type Range } from "../client/rules";

/** The engine's placeholder for a value that is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/**
 * Keys never walked or copied: assigning them would reach an object's prototype (`__proto__`) or a
 * built-in (`constructor.prototype`), so a hostile input could pollute every object in the process.
 * None is a property of any resource.
 */
const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** No resource property nests deeper than this; values below it are left as they are, never walked. */
const MAX_DEPTH = 16;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Own enumerable entries, without the unsafe keys. */
function safeEntries(value: Record<string, unknown>): [string, unknown][] {
  return Object.entries(value).filter(([k]) => !UNSAFE_KEYS.has(k));
}

/** Paths (key lists, so a key may contain dots) of every unknown value in the inputs. */
function unknownPaths(value: unknown, prefix: string[] = []): string[][] {
  if (isUnknown(value)) return [prefix];
  if (!isPlainObject(value) || prefix.length >= MAX_DEPTH) return [];
  return safeEntries(value).flatMap(([k, v]) => unknownPaths(v, [...prefix, k]));
}

/** Without the provider's own bookkeeping key and with unknown values removed, for validation. */
function withoutUnknowns(value: unknown, depth = 0): unknown {
  if (!isPlainObject(value) || depth >= MAX_DEPTH) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of safeEntries(value)) {
    if ((depth === 0 && k === "__provider") || isUnknown(v)) continue;
    out[k] = withoutUnknowns(v, depth + 1);
  }
  return out;
}

/** Puts unknown values back where they were, over the normalized inputs (own properties only). */
function restoreUnknowns(normalized: Record<string, unknown>, paths: string[][]): Record<string, unknown> {
  for (const keys of paths) {
    if (keys.length === 0) continue;
    let target = normalized;
    for (const key of keys.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
      if (!isPlainObject(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[keys[keys.length - 1]] = UNKNOWN;
  }
  return normalized;
}

/** A copy without `undefined` values (protobuf Structs cannot carry them) and without unsafe keys. */
function withoutUndefined(value: unknown, depth = 0): unknown {
  if (!isPlainObject(value) || depth >= MAX_DEPTH) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of safeEntries(value)) if (v !== undefined) out[k] = withoutUndefined(v, depth + 1);
  return out;
}

/** A failure's reason stays readable even when it quotes a huge input. */
const MAX_REASON = 300;

function bounded(reason: string): string {
  return reason.length <= MAX_REASON
    ? reason
    : `${reason.slice(0, MAX_REASON - 40)}… (${reason.length} characters)`;
}

/**
 * Validates `news` against `schema`. Issues on properties that are unknown, or that sit under an
 * unknown one, are not failures: the engine checks again once the values are known.
 */
export function checkWith<T extends Record<string, unknown>>(
  schema: z.ZodType<T>,
  news: Record<string, unknown>,
): CheckResult<Record<string, unknown>> {
  if (!isPlainObject(news)) {
    return {
      inputs: {},
      failures: [
        {
          property: "(inputs)",
          reason: `must be an object of the resource's properties, not ${describeType(news)}`,
        },
      ],
    };
  }
  // Only the resource's own properties are carried on (an object schema names them; zod drops the rest).
  const ownKeys = schema instanceof z.ZodObject ? new Set(Object.keys(schema.shape as object)) : undefined;
  const own = (inputs: Record<string, unknown>) =>
    ownKeys ? Object.fromEntries(Object.entries(inputs).filter(([k]) => ownKeys.has(k))) : inputs;
  const unknown = unknownPaths(own(news));
  const parsed = schema.safeParse(withoutUnknowns(news));
  if (parsed.success) return { inputs: restoreUnknowns(stripUndefined(parsed.data), unknown) };
  const failures: CheckFailure[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String);
    const property = path.join(".") || "(inputs)";
    if (unknown.some((u) => u.length <= path.length && u.every((k, i) => k === path[i]))) continue;
    failures.push({ property, reason: bounded(issue.message) });
  }
  // Only unknown values were at fault: pass the inputs on as they are, to be checked once known.
  if (failures.length === 0)
    return { inputs: withoutUndefined(own(withoutProvider(news))) as Record<string, unknown> };
  return { inputs: withoutProvider(news), failures };
}

function withoutProvider(news: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _ignored, ...rest } = news;
  return rest;
}

/** Struct-safe: protobuf Structs cannot carry `undefined`. */
export function stripUndefined<T extends Record<string, unknown>>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// ---- schema building blocks with messages that name the allowed values ----

function describeType(input: unknown): string {
  if (input === null || input === undefined) return String(input);
  if (Array.isArray(input)) return "an array";
  if (typeof input === "number" && Number.isNaN(input)) return "NaN";
  return typeof input === "string" ? `the string ${JSON.stringify(input.slice(0, 80))}` : `a ${typeof input}`;
}

export function requiredString(what: string) {
  return z.string({
    error: (issue) =>
      issue.input === undefined
        ? `is required: ${what}`
        : `must be ${what}, not ${describeType(issue.input)}`,
  });
}

export function integerIn(range: Range, unit = "") {
  const allowed = `an integer from ${range.min} to ${range.max}${unit}`;
  return z
    .number({
      error: (issue) =>
        issue.input === undefined
          ? `is required: ${allowed}`
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

export const destinationConfInput = requiredString(
  "a bucket URI: s3://<bucket>[/dir]?region=<region>, gs://<bucket>[/dir] or r2://<bucket>[/dir]?account-id=<id>",
).superRefine((value, ctx) => {
  const parsed = parseDestination(value);
  if ("error" in parsed) ctx.addIssue({ code: "custom", message: parsed.error });
});

export const ownershipChallengeInput = requiredString(
  "the contents of the challenge file Cloudflare wrote into the bucket",
).min(1, {
  error: "must not be empty: it is the contents of the challenge file Cloudflare wrote into the bucket",
});

/** Waits are bounded: 1 s to 24 h. */
export const timeoutSecondsInput = integerIn({ min: 1, max: 86_400 }, " seconds");
