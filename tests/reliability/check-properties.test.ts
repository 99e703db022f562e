/**
 * Hostile and malformed input to every resource's `check`, called directly as the plugin calls it:
 * thousands of random and adversarial inputs (wrong types, huge and non-finite numbers, negatives,
 * unicode, very long strings, prototype-pollution keys, the preview's unknown sentinel, deep nesting).
 * Each must come back as normalized inputs the API accepts, or as failures naming properties — never an
 * exception, never a request, never a change to Object.prototype.
 */
import fc from "fast-check";
import type { CheckResult } from "@pulumi/pulumi/dynamic";
import {
  validateCaptureRequest,
  validateOwnershipRequest,
  validateValidationRequest,
} from "../../emulator/validate";
import { providers } from "../../provider";
import { captureRequestToWire } from "../../client/wire";
import type { CaptureRequest } from "../../client/types";
import { UNKNOWN } from "../../provider/check";
import { ok, startScriptedServer, type ScriptedServer } from "../support/scripted-server";

const RUNS = Number(process.env.PCAP_CHECK_RUNS ?? 3000);
const PROVIDER = "serialized shim";
const ACCOUNT = "0123456789abcdef0123456789abcdef";

/** The keys each resource takes; failures must name one of them (or the inputs as a whole). */
const KEYS = {
  BucketOwnership: [
    "destinationConf",
    "accountId",
    "ownershipChallenge",
    "adopt",
    "validationTimeoutSeconds",
  ],
  BucketOwnershipValidation: [
    "destinationConf",
    "ownershipChallenge",
    "accountId",
    "validationTimeoutSeconds",
  ],
  PacketCapture: [
    "type",
    "system",
    "timeLimit",
    "packetLimit",
    "byteLimit",
    "coloName",
    "destinationConf",
    "filter",
    "offsetTime",
    "accountId",
    "waitForCompletion",
    "completionTimeoutSeconds",
    "stopped",
  ],
} as const;
type Kind = keyof typeof KEYS;
const FILTER_KEYS = ["sourceAddress", "destinationAddress", "protocol", "sourcePort", "destinationPort"];
const POLLUTION_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "__defineGetter__",
  "hasOwnProperty",
  "toString",
];

// ---- arbitraries ----

const hugeString = fc.constantFrom(
  "x".repeat(100_000),
  "é".repeat(50_000),
  "\u0000".repeat(10_000),
  "💥".repeat(30_000),
);
const weirdNumber = fc.constantFrom(
  NaN,
  Infinity,
  -Infinity,
  -0,
  -1,
  0,
  0.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_VALUE,
  2 ** 53,
  65536,
  86401,
  1_000_000_001,
);
const weirdString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.constantFrom(
    "",
    " ",
    UNKNOWN,
    "__proto__",
    "constructor",
    "s3://../../etc?region=x",
    "s3://bucket/../../../tmp/evil",
    "s3://bucket/%2e%2e/x",
    "gs://bucket\\..\\x",
    "r2://bucket/dir\u0000/x",
    "file:///etc/passwd",
    "203.0.113.7\n",
    "999.1.1.1",
    "2026-13-45T99:99:99Z",
    "NaN",
    "1e3",
    "0x10",
    "<script>alert(1)</script>",
    "${process.exit(1)}",
  ),
  hugeString,
);
/** Objects whose own keys include the ones that pollute prototypes when assigned naively. */
const pollutingObject = fc
  .array(
    fc.tuple(
      fc.constantFrom(...POLLUTION_KEYS, "polluted", "x.y"),
      fc.oneof(fc.constant(UNKNOWN), fc.jsonValue({ maxDepth: 2 })),
    ),
    {
      maxLength: 4,
    },
  )
  .map((entries) =>
    ownObject(entries.map(([k, v]) => [k, k === "__proto__" ? { polluted: v, isAdmin: true } : v])),
  );
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  weirdNumber,
  weirdString,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.bigInt().map((n) => Number(n)),
  fc.anything({
    maxDepth: 3,
    withNullPrototype: true,
    withObjectString: true,
    withBoxedValues: true,
    withSparseArray: true,
  }),
  pollutingObject,
);

/** Plausible values per key, so that many generated inputs get past the first failure. */
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  type: fc.constantFrom("simple", "full"),
  system: fc.constantFrom("magic-transit", undefined),
  timeLimit: fc.integer({ min: 1, max: 300 }),
  packetLimit: fc.integer({ min: 1, max: 10_000 }),
  byteLimit: fc.integer({ min: 1, max: 1_000_000_000 }),
  coloName: fc.constantFrom("ord02", "ORD", "sfo-1"),
  destinationConf: fc.constantFrom(
    "s3://pcaps?region=us-east-1",
    "gs://pcaps-eu/edge",
    "r2://pcaps/a/b?account-id=x",
  ),
  filter: fc.record(
    {
      sourceAddress: fc.ipV4(),
      destinationAddress: fc.ipV4(),
      protocol: fc.integer({ min: 0, max: 255 }),
      sourcePort: fc.integer({ min: 0, max: 65535 }),
      destinationPort: fc.integer({ min: 0, max: 65535 }),
    },
    { requiredKeys: [] },
  ),
  offsetTime: fc
    .integer({ min: 1, max: 23 * 3600 })
    .map((s) => new Date(Date.now() - s * 1000).toISOString()),
  accountId: fc.constant(ACCOUNT),
  waitForCompletion: fc.boolean(),
  completionTimeoutSeconds: fc.integer({ min: 1, max: 86_400 }),
  stopped: fc.boolean(),
  ownershipChallenge: fc.string({ minLength: 1, maxLength: 80 }),
  adopt: fc.boolean(),
  validationTimeoutSeconds: fc.integer({ min: 1, max: 86_400 }),
};

/** An object with exactly these own, enumerable properties (even `__proto__`), as JSON.parse makes them. */
function ownObject(entries: [string, unknown][]): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return target;
}

/** Inputs for a kind: each known key absent, plausible, unknown, or hostile; plus stray keys. */
function inputs(kind: Kind): fc.Arbitrary<Record<string, unknown>> {
  const field = (key: string) =>
    fc.option(
      fc.oneof(
        { weight: 5, arbitrary: plausible[key] },
        { weight: 1, arbitrary: fc.constant(UNKNOWN) },
        { weight: 3, arbitrary: key === "filter" ? filterish : hostile },
      ),
      { nil: undefined, freq: 3 },
    );
  const known = fc.tuple(...KEYS[kind].map((key) => field(key).map((v): [string, unknown] => [key, v])));
  const stray = fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...POLLUTION_KEYS, "__provider"), fc.string({ maxLength: 12 })),
      hostile,
    ),
    { maxLength: 3 },
  );
  return fc
    .tuple(known, stray)
    .map(([k, s]) => ownObject([["__provider", PROVIDER], ...k.filter(([, v]) => v !== undefined), ...s]));
}

/** A valid input of the kind, then 0–2 of its properties replaced by hostile values or removed. */
function mostlyValid(kind: Kind): fc.Arbitrary<Record<string, unknown>> {
  const pick = (keys: string[]) => fc.record(Object.fromEntries(keys.map((k) => [k, plausible[k]])));
  const optional = (keys: string[]) =>
    fc.record(Object.fromEntries(keys.map((k) => [k, plausible[k]])), { requiredKeys: [] });
  const base: fc.Arbitrary<Record<string, unknown>> =
    kind === "PacketCapture"
      ? fc.oneof(
          fc
            .tuple(
              pick(["timeLimit", "packetLimit"]),
              optional([
                "system",
                "filter",
                "offsetTime",
                "accountId",
                "waitForCompletion",
                "completionTimeoutSeconds",
              ]),
            )
            .map(([a, b]) => ({ type: "simple", ...a, ...b })),
          fc
            .tuple(
              pick(["coloName", "destinationConf"]),
              fc.integer({ min: 1, max: 86_400 }),
              optional([
                "system",
                "byteLimit",
                "packetLimit",
                "filter",
                "accountId",
                "waitForCompletion",
                "stopped",
              ]),
            )
            .map(([a, timeLimit, b]) => ({ type: "full", timeLimit, ...a, ...b })),
        )
      : fc
          .tuple(
            pick(
              kind === "BucketOwnership" ? ["destinationConf"] : ["destinationConf", "ownershipChallenge"],
            ),
            optional(KEYS[kind].filter((k) => k !== "destinationConf")),
          )
          .map(([a, b]) => ({ ...b, ...a }));
  const mutation = fc.tuple(
    fc.constantFrom(...KEYS[kind], ...POLLUTION_KEYS),
    fc.option(hostile, { nil: undefined }),
  );
  return fc.tuple(base, fc.array(mutation, { maxLength: 2 })).map(([input, mutations]) => {
    const entries = new Map<string, unknown>([["__provider", PROVIDER], ...Object.entries(input)]);
    for (const [key, value] of mutations) {
      if (value === undefined) entries.delete(key);
      else
        entries.set(
          key,
          key === "filter" && typeof value === "object" && value
            ? { ...(input.filter as object), ...value }
            : value,
        );
    }
    return ownObject([...entries]);
  });
}

const filterish: fc.Arbitrary<unknown> = fc.oneof(
  hostile,
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...FILTER_KEYS, ...POLLUTION_KEYS),
        fc.oneof(hostile, fc.constant(UNKNOWN), fc.ipV4()),
      ),
      {
        maxLength: 6,
      },
    )
    .map(ownObject),
);

/** A bounded rendering of a value for a failure message: long strings cut, depth limited. */
function short(value: unknown): string {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "string" && v.length > 120) return `${v.slice(0, 120)}…(${v.length} chars)`;
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    if (typeof v === "bigint") return `${v}n`;
    if (v === undefined) return "undefined";
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return "[circular]";
      seen.add(v);
    }
    return v;
  });
  return text === undefined ? String(value) : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

// ---- properties ----

let server: ScriptedServer;
const savedEnv = { ...process.env };
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
const counts: Record<string, { accepted: number; refused: number }> = {};

beforeAll(async () => {
  // Every route of the counting server answers; the assertion is that nothing ever asks.
  server = await startScriptedServer([ok([])]);
  process.env.CLOUDFLARE_API_TOKEN = "check-must-not-call-the-api";
  process.env.CLOUDFLARE_BASE_URL = server.url;
  process.env.CLOUDFLARE_ACCOUNT_ID = ACCOUNT;
  for (const kind of Object.keys(KEYS) as Kind[]) {
    await providers[kind].configure!({
      config: { get: (key: string) => ({ "cloudflare:baseUrl": server.url })[key] },
    } as never);
  }
});

afterAll(async () => {
  process.env = savedEnv;
  await server.close();
  console.log(
    `check properties: ${Object.entries(counts)
      .map(
        ([kind, c]) =>
          `${kind} ${c.accepted + c.refused} inputs (${c.accepted} accepted, ${c.refused} refused)`,
      )
      .join("; ")}; 0 exceptions, 0 requests, Object.prototype untouched`,
  );
});

afterEach(() => {
  expect(server.requests).toEqual([]);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
});

/** Struct-safe (what the plugin can send back): plain JSON, no undefined, no non-finite numbers. */
function isStructSafe(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isStructSafe);
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(value as object).every((v) => v !== undefined && isStructSafe(v));
  }
  return false;
}

function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  return typeof value === "object" && value !== null && Object.values(value).some(hasUnknown);
}

/** The request the provider would send for accepted PacketCapture inputs (as packet-capture.ts builds it). */
function requestOf(i: Record<string, unknown>): CaptureRequest {
  return i.type === "simple"
    ? ({
        type: "simple",
        system: i.system,
        timeLimit: i.timeLimit,
        packetLimit: i.packetLimit,
        filter: i.filter,
        offsetTime: i.offsetTime,
      } as CaptureRequest)
    : ({
        type: "full",
        system: i.system,
        timeLimit: i.timeLimit,
        coloName: i.coloName,
        destinationConf: i.destinationConf,
        byteLimit: i.byteLimit,
        packetLimit: i.packetLimit,
        filter: i.filter,
      } as CaptureRequest);
}

/** Accepted inputs must be ones the API accepts too (the emulator's validation of the wire request). */
function apiAccepts(kind: Kind, i: Record<string, unknown>): void {
  if (hasUnknown(i)) return; // judged again once known
  const strip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  if (kind === "PacketCapture") validateCaptureRequest(strip(captureRequestToWire(requestOf(i))), Date.now());
  else if (kind === "BucketOwnership") validateOwnershipRequest({ destination_conf: i.destinationConf });
  else
    validateValidationRequest({
      destination_conf: i.destinationConf,
      ownership_challenge: i.ownershipChallenge,
    });
}

async function checkOnce(
  kind: Kind,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<void> {
  const keys = new Set<string>(KEYS[kind]);
  let result: CheckResult;
  try {
    result = await providers[kind].check!(olds, news);
  } catch (err) {
    throw new Error(`${kind}.check threw instead of answering: ${(err as Error)?.stack ?? String(err)}`);
  }
  counts[kind] ??= { accepted: 0, refused: 0 };
  expect(typeof result.inputs).toBe("object");
  expect(result.inputs).not.toBeNull();
  expect(Object.prototype.hasOwnProperty.call(result.inputs, "__provider")).toBe(false);
  if (result.failures && result.failures.length > 0) {
    counts[kind].refused++;
    for (const failure of result.failures) {
      expect(typeof failure.property).toBe("string");
      expect(typeof failure.reason).toBe("string");
      expect(failure.reason.length).toBeGreaterThan(5);
      expect(failure.reason.length).toBeLessThan(400); // no input echoed whole
      const top = failure.property.split(".")[0];
      if (!(keys.has(top) || failure.property === "(inputs)")) {
        throw new Error(`${kind}: failure names "${failure.property}", not a property: ${failure.reason}`);
      }
    }
    return;
  }
  counts[kind].accepted++;
  expect(result.failures ?? []).toEqual([]);
  // Normalized: only the resource's keys (a stray key survives only to carry a preview's unknown value
  // back to the engine), Struct-safe, accepted again unchanged, and by the API.
  for (const [key, value] of Object.entries(result.inputs)) {
    if (!keys.has(key) && !hasUnknown(value))
      throw new Error(`${kind}: accepted inputs carry the stray key ${key}`);
  }
  expect(isStructSafe(result.inputs)).toBe(true);
  const again = await providers[kind].check!(olds, { ...result.inputs, __provider: PROVIDER });
  expect(again.failures ?? []).toEqual([]);
  expect(again.inputs).toEqual(result.inputs);
  apiAccepts(kind, result.inputs);
}

describe.each(Object.keys(KEYS) as Kind[])("%s.check", (kind) => {
  test(`${RUNS} random and adversarial inputs: normalized or refused by property, never thrown`, async () => {
    const details = await fc.check(
      fc.asyncProperty(
        fc.option(inputs(kind), { nil: {} }),
        fc.oneof(inputs(kind), mostlyValid(kind)),
        async (olds, news) => {
          await checkOnce(kind, olds, news);
        },
      ),
      { numRuns: RUNS, seed: Number(process.env.PCAP_CHECK_SEED ?? 20_260_101) },
    );
    if (details.failed) {
      // fast-check's own report would print the 100 000-character strings in full.
      throw new Error(
        `${kind}.check: property failed (seed ${details.seed}, path "${details.counterexamplePath}"; replay with ` +
          `PCAP_CHECK_SEED) for ${short(details.counterexample)}: ${short(String(details.errorInstance))}`,
      );
    }
  }, 60_000);

  test("inputs that are not objects, and deep nesting, are refused or ignored, not thrown", async () => {
    let deep: Record<string, unknown> = { leaf: UNKNOWN };
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    for (const news of [
      null,
      undefined,
      "inputs",
      42,
      [],
      [1, 2],
      { filter: deep, destinationConf: deep },
      { deep },
    ]) {
      await checkOnce(kind, {}, news as Record<string, unknown>);
    }
    for (const olds of [null, undefined, "x", { offsetTime: deep }]) {
      await checkOnce(kind, olds as Record<string, unknown>, { destinationConf: "s3://pcaps?region=x" });
    }
  });

  test("prototype-pollution keys, as JSON.parse makes them, pollute nothing", async () => {
    const payloads = [
      `{"__proto__": {"polluted": "${UNKNOWN}"}}`,
      `{"__proto__": {"polluted": "yes"}, "filter": {"__proto__": {"polluted": "${UNKNOWN}"}}}`,
      `{"constructor": {"prototype": {"polluted": "${UNKNOWN}"}}}`,
      `{"filter": {"constructor": {"prototype": {"polluted": "${UNKNOWN}"}}}}`,
      `{"type": "simple", "timeLimit": 5, "packetLimit": 5, "destinationConf": "s3://pcaps?region=x", "ownershipChallenge": "c", "__proto__": {"polluted": "${UNKNOWN}", "isAdmin": true}}`,
      `{"type": "simple", "timeLimit": 5, "packetLimit": 5, "destinationConf": "s3://pcaps?region=x", "ownershipChallenge": "c", "filter": {"__proto__": {"polluted": "${UNKNOWN}"}}}`,
    ];
    for (const payload of payloads) {
      const news = JSON.parse(payload) as Record<string, unknown>;
      await checkOnce(kind, {}, news);
      await checkOnce(kind, JSON.parse(payload) as Record<string, unknown>, news);
    }
  });

  test("without any credentials or base URL configured, check answers all the same", async () => {
    const configured = { ...process.env };
    for (const name of Object.keys(process.env)) if (name.startsWith("CLOUDFLARE_")) delete process.env[name];
    try {
      const samples = fc.sample(fc.oneof(inputs(kind), mostlyValid(kind)), { numRuns: 300, seed: 7 });
      for (const news of samples) await checkOnce(kind, {}, news);
    } finally {
      process.env = configured;
    }
  });
});
