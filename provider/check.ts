/**
 * Input checking for the resources: a zod schema per resource, failures reported per property (dotted
 * path, e.g. `filter.destinationPort`) with the allowed values, before any API call. During preview the
 * engine sends not-yet-known values as a sentinel string; those pass unchecked and are kept as they are.
 * The schemas' building blocks are in inputs.ts.
 */
import { z } from "zod";
import type { CheckFailure, CheckResult } from "@pulumi/pulumi/dynamic";
import { describeType } from "./inputs";

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

export function isPlainObject(value: unknown): value is Record<string, unknown> {
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
      const child: Record<string, unknown> = isPlainObject(next) ? next : {};
      target[key] = child;
      target = child;
    }
    target[keys[keys.length - 1]] = UNKNOWN;
  }
  return normalized;
}

/** A copy without `undefined` values (protobuf Structs cannot carry them) and without unsafe keys. */
function withoutUndefined(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of safeEntries(value)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && depth + 1 < MAX_DEPTH ? withoutUndefined(v, depth + 1) : v;
  }
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
  // Only the resource's own properties are carried on (the schema names them; zod drops the rest).
  const ownKeys = inputKeys(schema);
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
  if (failures.length === 0) return { inputs: withoutUndefined(own(withoutProvider(news))) };
  return { inputs: withoutProvider(news), failures };
}

/**
 * The properties a schema names: an object's keys, or every key of a union's objects (simple and full
 * captures take different ones). Undefined for any other schema: then nothing is filtered.
 */
export function inputKeys(schema: unknown): ReadonlySet<string> | undefined {
  if (schema instanceof z.ZodObject) return new Set(Object.keys(schema.shape));
  if (!(schema instanceof z.ZodUnion)) return undefined;
  const keys = new Set<string>();
  for (const option of schema.options) {
    const optionKeys = inputKeys(option);
    if (!optionKeys) return undefined;
    for (const key of optionKeys) keys.add(key);
  }
  return keys;
}

function withoutProvider(news: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _ignored, ...rest } = news;
  return rest;
}

/** Struct-safe: protobuf Structs cannot carry `undefined`. */
export function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
