/**
 * Property values as they travel over Pulumi's gRPC structs (google.protobuf.Struct as JSON), and the
 * engine's rules for secrets on providers that do not accept them (the dynamic provider answers
 * Configure with acceptSecrets=false).
 *
 * Wire form: plain JSON, plus
 *  - a secret:   { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: V }
 *  - an unknown: the string "04da6b54-80e4-46f7-96ec-b56ff0331ba9" (previews only).
 * State form (what `Stack.state` holds): the same, except secrets carry `ciphertext` (base64 of the JSON
 * value) instead of `value`, like a checkpoint file, so a plaintext secret never shows up in a grep of the
 * state. It is an encoding, not encryption.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type PropertyMap = Record<string, Json>;

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for a secret in wire or state form. */
export function isSecret(v: unknown): boolean {
  return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

/** Wraps a value as a wire-form secret (idempotent). */
export function makeSecret(v: Json): Json {
  return isSecret(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v };
}

function secretElement(v: { [key: string]: Json }): Json {
  if ("value" in v) return v.value;
  const ciphertext = v.ciphertext;
  return typeof ciphertext === "string"
    ? (JSON.parse(Buffer.from(ciphertext, "base64").toString("utf8")) as Json)
    : null;
}

export function containsSecrets(v: Json): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecrets);
  if (isObject(v)) return Object.values(v).some(containsSecrets);
  return false;
}

/** Removes every secret wrapper (what the engine sends to a provider that does not accept secrets). */
export function reveal(v: Json): Json {
  if (isObject(v) && isSecret(v)) return reveal(secretElement(v));
  if (Array.isArray(v)) return v.map(reveal);
  if (isObject(v)) return mapValues(v, reveal);
  return v;
}

export function revealMap(m: PropertyMap): PropertyMap {
  return mapValues(m, reveal);
}

/**
 * Copies the "secretness" of `ins` onto `outs` key by key, recursing where both sides are plain objects
 * (the engine's `annotateSecrets` in provider_plugin.go). Returns a new map.
 */
export function annotateSecrets(outs: PropertyMap, ins: PropertyMap): PropertyMap {
  const result: PropertyMap = { ...outs };
  for (const [key, inValue] of Object.entries(ins)) {
    if (!(key in result)) continue;
    const outValue = result[key];
    if (isObject(outValue) && !isSecret(outValue) && isObject(inValue) && !isSecret(inValue)) {
      result[key] = annotateSecrets(outValue, inValue);
    } else if (!isSecret(outValue) && containsSecrets(inValue)) {
      result[key] = makeSecret(outValue);
    }
  }
  return result;
}

/** Marks the named top-level keys secret (`additionalSecretOutputs`). */
export function markSecret(m: PropertyMap, keys: readonly string[]): PropertyMap {
  const result: PropertyMap = { ...m };
  for (const key of keys) if (key in result) result[key] = makeSecret(result[key]);
  return result;
}

/** Wire form → state form (secrets become `ciphertext`). */
export function toStateForm(v: Json): Json {
  if (isObject(v) && isSecret(v)) {
    const plain = reveal(secretElement(v));
    return {
      [SIG_KEY]: SECRET_SIG,
      ciphertext: Buffer.from(JSON.stringify(plain), "utf8").toString("base64"),
    };
  }
  if (Array.isArray(v)) return v.map(toStateForm);
  if (isObject(v)) return mapValues(v, toStateForm);
  return v;
}

/** State form → wire form (secrets carry `value` again). */
export function fromStateForm(v: Json): Json {
  if (isObject(v) && isSecret(v)) return makeSecret(fromStateForm(secretElement(v)));
  if (Array.isArray(v)) return v.map(fromStateForm);
  if (isObject(v)) return mapValues(v, fromStateForm);
  return v;
}

export function mapToState(m: PropertyMap): PropertyMap {
  return mapValues(m, toStateForm);
}

export function mapFromState(m: PropertyMap): PropertyMap {
  return mapValues(m, fromStateForm);
}

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
    );
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Top-level keys whose (revealed) values differ between two maps, sorted. */
export function changedKeys(olds: PropertyMap, news: PropertyMap): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys]
    .filter((k) => !(k in olds && k in news && deepEqual(reveal(olds[k]), reveal(news[k]))))
    .sort();
}

function mapValues(m: { [key: string]: Json }, f: (v: Json) => Json): PropertyMap {
  const result: PropertyMap = {};
  for (const [k, v] of Object.entries(m)) result[k] = f(v);
  return result;
}
