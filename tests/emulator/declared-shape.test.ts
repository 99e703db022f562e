/**
 * The emulator is never friendlier than the API: every capture and ownership object it answers — from
 * create, get and list, for both capture types, in every status phase — carries only the fields the
 * official SDK declares for that type (read from the installed `cloudflare` package's .d.ts files), plus,
 * when `unknownFields` is on, exactly the fields no client knows. Run under every reading the published
 * sources leave open (finished simple status × unknown fields).
 */
import { UNKNOWN_FIELDS, type EmulatorHandle, type FinishedSimpleStatus } from "../../emulator";
import {
  api,
  closeAll,
  countPackets,
  downloadBytes,
  emulator,
  fullBody,
  result,
  SIMPLE,
  type ApiResponse,
} from "./helpers";
import { declaredCaptureShapes, declaredOwnershipShapes, type DeclaredObject } from "./sdk-declarations";

afterEach(closeAll);

const CAPTURES = declaredCaptureShapes();
const OWNERSHIP = declaredOwnershipShapes();
const EXTRAS = Object.keys(UNKNOWN_FIELDS);

type Wire = Record<string, unknown>;
type CaptureMethod = "create" | "list" | "get";
type OwnershipMethod = "create" | "get" | "validate";

/** Files a 200 answer's object (or each of a list's) under `method`; returns the result as answered. */
function collect<M>(into: { method: M; object: Wire }[], method: M, res: ApiResponse): Wire {
  expect(res.status).toBe(200);
  const answered = result<Wire | Wire[]>(res);
  for (const object of Array.isArray(answered) ? answered : [answered]) into.push({ method, object });
  return answered as Wire;
}

/** Every object the emulator answered with, labelled with the SDK method whose declaration governs it. */
class Seen {
  readonly captures: { method: CaptureMethod; object: Wire }[] = [];
  readonly ownerships: { method: OwnershipMethod; object: Wire }[] = [];

  capture(method: CaptureMethod, res: ApiResponse): Wire {
    return collect(this.captures, method, res);
  }

  ownership(method: OwnershipMethod, res: ApiResponse): Wire {
    return collect(this.ownerships, method, res);
  }

  /** The handle's inspection answers "as GET would": the list's declarations apply. */
  handle(h: EmulatorHandle): void {
    for (const object of h.captures()) this.captures.push({ method: "list", object: { ...object } });
    for (const object of h.ownerships()) this.ownerships.push({ method: "get", object: { ...object } });
  }

  /** Lists and fetches every capture so far, so each phase is seen through get and list too. */
  async everyView(h: EmulatorHandle, ids: string[]): Promise<void> {
    this.capture("list", await api(h, "GET", ""));
    for (const id of ids) this.capture("get", await api(h, "GET", `/${id}`));
    this.ownership("get", await api(h, "GET", "/ownership"));
    this.handle(h);
  }
}

/** Drives captures of both types through every phase, and ownerships through pending, success, failed. */
async function exercise(h: EmulatorHandle): Promise<Seen> {
  const seen = new Seen();
  const bucket = "s3://declared-shape?region=us-east-1";
  seen.ownership("create", await api(h, "POST", "/ownership", { body: { destination_conf: bucket } }));
  await seen.everyView(h, []);
  seen.ownership(
    "validate",
    await api(h, "POST", "/ownership/validate", {
      body: { destination_conf: bucket, ownership_challenge: h.readChallenge(bucket) },
    }),
  );
  const refused = "gs://declared-shape-refused";
  seen.ownership("create", await api(h, "POST", "/ownership", { body: { destination_conf: refused } }));
  seen.ownership(
    "validate",
    await api(h, "POST", "/ownership/validate", {
      body: { destination_conf: refused, ownership_challenge: "not the token" },
    }),
  );

  const ids: string[] = [];
  const create = async (body: Wire) => {
    const id = seen.capture("create", await api(h, "POST", "", { body })).id as string;
    ids.push(id);
    return id;
  };
  const step = async (seconds: number) => {
    await h.advance(seconds);
    await seen.everyView(h, ids);
  };
  // Full, with every optional field: pending 5 s, 3 s running (30 packets at 10/s), 5 + 5 converting.
  await create(
    fullBody(bucket, {
      time_limit: 60,
      packet_limit: 30,
      byte_limit: 1_000_000,
      filter_v1: { protocol: 17, destination_port: 53, source_address: "198.51.100.7" },
    }),
  );
  await create({ ...SIMPLE, time_limit: 5, filter_v1: { protocol: 6, destination_port: 443 } });
  await create({ ...SIMPLE, time_limit: 5, filter_v1: { protocol: 1, destination_port: 80 } }); // never matches
  await seen.everyView(h, ids);
  for (const seconds of [5, 3, 5, 5]) await step(seconds);
  // Stopped while running, then converted.
  const stopped = await create(fullBody(bucket, { time_limit: 600 }));
  await step(7);
  expect((await api(h, "PUT", `/${stopped}/stop`)).status).toBe(204);
  await step(20);
  // A full capture whose filter never matches ends failed, with error_message.
  await create(fullBody(bucket, { time_limit: 5, filter_v1: { protocol: 1, source_port: 1 } }));
  await step(30);
  return seen;
}

/** Checks one object's keys: the declared ones only, plus exactly the unknown fields when they are on. */
function checkFields(object: Wire, declared: DeclaredObject, unknownFields: boolean): void {
  const keys = Object.keys(object);
  const undeclared = keys.filter((k) => !declared.fields.includes(k));
  if (unknownFields) {
    expect({ id: object.id, undeclared: undeclared.sort() }).toEqual({
      id: object.id,
      undeclared: [...EXTRAS].sort(),
    });
    for (const extra of EXTRAS)
      expect(object[extra]).toEqual(UNKNOWN_FIELDS[extra as keyof typeof UNKNOWN_FIELDS]);
  } else {
    expect({ id: object.id, declaredAs: declared.name, undeclared }).toEqual({
      id: object.id,
      declaredAs: declared.name,
      undeclared: [],
    });
  }
}

const READINGS: [FinishedSimpleStatus, boolean][] = [
  ["success", true],
  ["success", false],
  ["complete", true],
  ["complete", false],
];

describe.each(READINGS)(
  "finishedSimpleStatus %s, unknownFields %s",
  (finishedSimpleStatus, unknownFields) => {
    test("every capture and ownership object carries only what the official SDK declares for its type", async () => {
      const h = await emulator({
        timeScale: 1e-6,
        simpleCaptureIntervalSeconds: 0,
        finishedSimpleStatus,
        unknownFields,
      });
      const seen = await exercise(h);

      const phases = new Map<string, Set<string>>();
      for (const { method, object } of seen.captures) {
        const type = object.type as "simple" | "full";
        const declared = CAPTURES.byMethod[method][type];
        checkFields(object, declared, unknownFields);
        expect(declared.statuses).toContain(object.status);
        for (const key of Object.keys(object.filter_v1 as Wire))
          expect(CAPTURES.filter.fields).toContain(key);
        const key = `${method} ${type}`;
        phases.set(key, (phases.get(key) ?? new Set()).add(object.status as string));
      }
      for (const { method, object } of seen.ownerships) {
        checkFields(object, OWNERSHIP.byMethod[method], unknownFields);
        expect(OWNERSHIP.byMethod[method].statuses).toContain(object.status);
      }

      // The test saw what it claims to cover: every phase of both types through get and list.
      const simplePhases = ["pending", finishedSimpleStatus, "failed"];
      const fullPhases = [
        "pending",
        "running",
        "conversion_pending",
        "conversion_running",
        "success",
        "failed",
      ];
      for (const method of ["get", "list"]) {
        expect([...(phases.get(`${method} simple`) ?? [])].sort()).toEqual(simplePhases.sort());
        expect([...(phases.get(`${method} full`) ?? [])].sort()).toEqual(fullPhases.sort());
      }
      expect(seen.captures.some((c) => c.object.stop_requested !== undefined)).toBe(true);
      expect(
        seen.captures.some((c) => c.object.type === "full" && c.object.error_message !== undefined),
      ).toBe(true);
      expect(new Set(seen.ownerships.map((o) => o.object.status))).toEqual(
        new Set(["pending", "success", "failed"]),
      );
    });

    test("a finished simple capture reads as the chosen status and can be downloaded", async () => {
      const h = await emulator({ timeScale: 1e-6, finishedSimpleStatus, unknownFields });
      const simple = result<Wire>(await api(h, "POST", "", { body: { ...SIMPLE, time_limit: 2 } }));
      await h.advance(2);
      expect(result<Wire>(await api(h, "GET", `/${simple.id as string}`)).status).toBe(finishedSimpleStatus);
      const download = await api(h, "GET", `/${simple.id as string}/download`);
      expect(download.status).toBe(200);
      expect(download.headers.get("content-type")).toBe("application/vnd.tcpdump.pcap");
    });
  },
);

test("the declarations themselves say what the emulator relies on", () => {
  // If a newer SDK declares these, the emulator may send them again; until then it must not.
  for (const method of ["create", "list", "get"] as const) {
    const { simple, full } = CAPTURES.byMethod[method];
    expect(simple.fields).not.toContain("packet_limit");
    expect(full.fields).not.toContain("packet_limit");
    expect(full.fields).not.toContain("offset_time");
    expect(simple.fields).not.toContain("error_message");
  }
  // No unknown field may shadow a declared one, or the strict check above could not tell them apart.
  const declared = new Set([
    ...Object.values(CAPTURES.byMethod).flatMap((m) => [...m.simple.fields, ...m.full.fields]),
    ...Object.values(OWNERSHIP.byMethod).flatMap((o) => o.fields),
  ]);
  expect(EXTRAS.filter((k) => declared.has(k))).toEqual([]);
  // One unknown field of each JSON type, so a client that tolerates only some types is caught.
  const kinds = Object.values(UNKNOWN_FIELDS).map((v) =>
    v === null ? "null" : Array.isArray(v) ? "array" : typeof v,
  );
  expect(new Set(kinds)).toEqual(new Set(["string", "number", "object", "array", "null"]));
});

test("the packet limit a capture was made with is kept for the handle, not sent", async () => {
  const h = await emulator({ timeScale: 1e-6, simpleCaptureIntervalSeconds: 0, unknownFields: false });
  const ids: string[] = [];
  for (const packetLimit of [1, 2, 3]) {
    const res = await api(h, "POST", "", { body: { ...SIMPLE, packet_limit: packetLimit } });
    ids.push(result<Wire>(res).id as string);
  }
  expect(ids.map((id) => h.requestedPacketLimit(id))).toEqual([1, 2, 3]);
  // The three answers differ in nothing a client could match on but id and timestamps.
  const shapes = h.captures().map(({ id: _id, submitted: _s, offset_time: _o, ...rest }) => rest);
  expect(new Set(shapes.map((s) => JSON.stringify(s))).size).toBe(1);
  await h.advance(10);
  expect(countPackets(await downloadBytes(h, ids[1]))).toBe(2);
  expect(() => h.requestedPacketLimit("0".repeat(32))).toThrow(/no capture/);
});
