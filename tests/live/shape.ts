/**
 * The shape report: what the API's raw answers looked like — per object kind the fields seen with their
 * JSON types and the status values seen, per endpoint the HTTP statuses and content types — so that a
 * maintainer can put a run against the real API next to a run against the emulator and see where they
 * differ. It is built from the HTTP bodies as they came off the wire, never from the client's parsed
 * objects (which drop what they do not know). It keeps field names, types, statuses and error codes only:
 * no values, so no credential or account data can end up in it.
 */

export type JsonType = "string" | "number" | "boolean" | "null" | "object" | "array";

/** What was seen of one kind of object. */
export interface ObjectShape {
  /** How many objects of this kind the answers held. */
  seen: number;
  /** The endpoints whose answers held them, e.g. `GET /pcaps/{pcap_id}`. */
  endpoints: string[];
  /** Dotted field paths (`filter_v1.protocol`; `errors[].code` for array items) → JSON types seen. */
  fields: Record<string, JsonType[]>;
  /** Values of a top-level `status` field, in the order first seen. */
  statuses: string[];
}

/** What was seen of one endpoint's answers. */
export interface EndpointShape {
  answers: number;
  httpStatuses: number[];
  contentTypes: string[];
  /** Error codes (`errors[].code`) in its failure envelopes. */
  errorCodes: number[];
}

export interface ShapeReport {
  /** `emulator` (started by the suite), or `live` (`CLOUDFLARE_PCAP_LIVE=1`: the real API, or `baseUrl`). */
  target: "emulator" | "live";
  baseUrl: string;
  generatedAt: string;
  /** Scenario → `passed`, `failed: <first line>`, or `not run: <why>`. */
  scenarios: Record<string, string>;
  objects: Record<string, ObjectShape>;
  endpoints: Record<string, EndpointShape>;
  /** What the suite made and what became of it. */
  cleanup: string[];
}

/** One raw answer as it came off the wire; `body` only for JSON answers. */
export interface RawAnswer {
  method: string;
  /** The request path below the base URL, e.g. `/accounts/<id>/pcaps/<id>`. */
  path: string;
  status: number;
  contentType: string | undefined;
  body?: string;
}

export const OBJECT_KINDS = {
  simpleCapture: "simple capture",
  fullCapture: "full capture",
  otherCapture: "capture of another type",
  ownership: "ownership",
  successEnvelope: "success envelope",
  errorEnvelope: "error envelope",
} as const;

type ResultKind = "capture" | "ownership" | "none";

/**
 * The endpoint an answer belongs to, with ids replaced by their names, and what its `result` holds.
 * Unknown paths keep their shape with every 32-hex id replaced, so nothing identifying is reported.
 */
export function endpointOf(method: string, path: string): { endpoint: string; result: ResultKind } {
  const segments = path.split("?")[0].split("/").filter(Boolean);
  const rest = segments[0] === "accounts" && segments[2] === "pcaps" ? segments.slice(3) : undefined;
  const at = (template: string, result: ResultKind) => ({ endpoint: `${method} ${template}`, result });
  if (rest === undefined) {
    return at(`/${segments.map((s) => (/^[0-9a-f]{32}$/.test(s) ? "{id}" : s)).join("/")}`, "none");
  }
  const [first, second] = rest;
  if (rest.length === 0) return at("/pcaps", "capture");
  if (first === "ownership") {
    if (rest.length === 1) return at("/pcaps/ownership", "ownership");
    if (second === "validate") return at("/pcaps/ownership/validate", "ownership");
    return at("/pcaps/ownership/{ownership_id}", "none");
  }
  if (rest.length === 1) return at("/pcaps/{pcap_id}", "capture");
  return at(`/pcaps/{pcap_id}/${second}`, "none");
}

function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as JsonType;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return jsonType(value) === "object";
}

function addOnce<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

/** Collects the shapes of every answer it is shown; {@link report} turns them into a {@link ShapeReport}. */
export class ShapeRecorder {
  private readonly objects = new Map<string, ObjectShape>();
  private readonly endpoints = new Map<string, EndpointShape>();

  observe(answer: RawAnswer): void {
    const { endpoint, result } = endpointOf(answer.method, answer.path);
    const seen = this.endpoint(endpoint);
    seen.answers++;
    addOnce(seen.httpStatuses, answer.status);
    addOnce(seen.contentTypes, answer.contentType ?? "(none)");
    if (answer.body === undefined) return;
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch {
      addOnce(seen.contentTypes, "(body is not JSON)");
      return;
    }
    if (!isObject(json)) return;
    const failed = json.success !== true;
    this.record(failed ? OBJECT_KINDS.errorEnvelope : OBJECT_KINDS.successEnvelope, endpoint, json, [
      "result",
    ]);
    if (failed) {
      for (const error of Array.isArray(json.errors) ? json.errors : []) {
        if (isObject(error) && typeof error.code === "number") addOnce(seen.errorCodes, error.code);
      }
      return;
    }
    const items = Array.isArray(json.result) ? json.result : [json.result];
    for (const item of items) {
      if (!isObject(item) || result === "none") continue;
      this.record(result === "ownership" ? OBJECT_KINDS.ownership : captureKind(item), endpoint, item, []);
    }
  }

  report(meta: Omit<ShapeReport, "objects" | "endpoints" | "generatedAt">): ShapeReport {
    const sortedFields = (fields: Record<string, JsonType[]>) =>
      Object.fromEntries(
        Object.keys(fields)
          .sort()
          .map((name) => [name, [...fields[name]].sort()]),
      );
    return {
      target: meta.target,
      baseUrl: meta.baseUrl,
      generatedAt: new Date().toISOString(),
      scenarios: meta.scenarios,
      objects: Object.fromEntries(
        [...this.objects].map(([kind, shape]) => [kind, { ...shape, fields: sortedFields(shape.fields) }]),
      ),
      endpoints: Object.fromEntries([...this.endpoints].sort(([a], [b]) => a.localeCompare(b))),
      cleanup: meta.cleanup,
    };
  }

  private endpoint(name: string): EndpointShape {
    let shape = this.endpoints.get(name);
    if (!shape) {
      shape = { answers: 0, httpStatuses: [], contentTypes: [], errorCodes: [] };
      this.endpoints.set(name, shape);
    }
    return shape;
  }

  /** Adds one object's fields (recursing into objects and array items, except into `opaque` fields). */
  private record(kind: string, endpoint: string, value: Record<string, unknown>, opaque: string[]): void {
    let shape = this.objects.get(kind);
    if (!shape) {
      shape = { seen: 0, endpoints: [], fields: {}, statuses: [] };
      this.objects.set(kind, shape);
    }
    shape.seen++;
    addOnce(shape.endpoints, endpoint);
    if (typeof value.status === "string") addOnce(shape.statuses, value.status);
    const fields = shape.fields;
    const walk = (node: Record<string, unknown>, prefix: string) => {
      for (const [key, child] of Object.entries(node)) {
        const path = prefix + key;
        addOnce((fields[path] ??= []), jsonType(child));
        if (opaque.includes(path)) continue;
        if (isObject(child)) walk(child, `${path}.`);
        if (Array.isArray(child)) {
          for (const item of child) {
            addOnce((fields[`${path}[]`] ??= []), jsonType(item));
            if (isObject(item)) walk(item, `${path}[].`);
          }
        }
      }
    };
    walk(value, "");
  }
}

function captureKind(capture: Record<string, unknown>): string {
  if (capture.type === "simple") return OBJECT_KINDS.simpleCapture;
  if (capture.type === "full") return OBJECT_KINDS.fullCapture;
  return OBJECT_KINDS.otherCapture;
}

/** A few lines for the console: each object kind's fields and statuses, each endpoint's statuses. */
export function summarize(report: ShapeReport): string {
  const lines = [`shape report (${report.target}, ${report.baseUrl}):`];
  for (const [kind, shape] of Object.entries(report.objects)) {
    const fields = Object.entries(shape.fields).map(([name, types]) => `${name}:${types.join("|")}`);
    const statuses = shape.statuses.length > 0 ? `; status ${shape.statuses.join(", ")}` : "";
    lines.push(`  ${kind} (${shape.seen} seen): ${fields.join(" ")}${statuses}`);
  }
  for (const [endpoint, shape] of Object.entries(report.endpoints)) {
    const codes = shape.errorCodes.length > 0 ? ` codes ${shape.errorCodes.join(", ")}` : "";
    lines.push(`  ${endpoint}: HTTP ${shape.httpStatuses.join(", ")}${codes}`);
  }
  for (const [scenario, outcome] of Object.entries(report.scenarios)) lines.push(`  ${scenario}: ${outcome}`);
  return lines.join("\n");
}
