import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROUTE_KEYS, type RequestLogEntry } from "../../emulator";
import { api, closeAll, emulator, errorCode, result, SIMPLE, validatedBucket } from "./helpers";

afterEach(closeAll);

describe("fault injection", () => {
  test("errorRate answers 500/503 envelopes before applying anything", async () => {
    const h = await emulator({ faults: { errorRate: 1 } });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const res = await api(h, "POST", "", { body: SIMPLE });
      statuses.add(res.status);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.json?.success).toBe(false);
      expect([1000, 1001]).toContain(errorCode(res));
    }
    expect([...statuses].sort()).toEqual([500, 503]);
    expect(h.captures()).toEqual([]);
    h.setFaults({ errorRate: 0 });
    expect((await api(h, "POST", "", { body: SIMPLE })).status).toBe(200);
  });

  test("resetRate destroys the connection without an answer or a change", async () => {
    const h = await emulator({ faults: { resetRate: 1 } });
    await expect(api(h, "POST", "", { body: SIMPLE })).rejects.toThrow();
    expect(h.captures()).toEqual([]);
    expect(h.statusCounts()).toEqual({ reset: 1 });
  });

  test("dropAfterApplyRate applies (and persists) a POST, then drops the answer", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "pcap-drop-"));
    try {
      const h = await emulator({ dataDir, persist: true, faults: { dropAfterApplyRate: 1 } });
      await expect(api(h, "POST", "", { body: SIMPLE })).rejects.toThrow();
      expect(h.captures()).toHaveLength(1);
      const saved = await readFile(join(dataDir, "state.json"), "utf8");
      expect(saved).toContain(h.captures()[0].id);
      // GETs are never dropped.
      expect((await api(h, "GET", "")).status).toBe(200);
      expect(h.statusCounts()).toEqual({ dropped: 1, 200: 1 });
      await closeAll();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test("latencyMs delays every answer", async () => {
    const h = await emulator({ faults: { latencyMs: 300 } });
    const started = Date.now();
    await api(h, "GET", "");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    h.setFaults({ latencyMs: 0 });
    const fast = Date.now();
    await api(h, "GET", "");
    expect(Date.now() - fast).toBeLessThan(250);
  });

  test("faults are reproducible from the seed", async () => {
    const run = async (seed: string) => {
      const h = await emulator({ faults: { seed, errorRate: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await api(h, "GET", "")).status);
      return statuses;
    };
    const a = await run("alpha");
    expect(await run("alpha")).toEqual(a);
    expect(a).toContain(200);
    expect(a.some((s) => s >= 500)).toBe(true);
    expect(await run("beta")).not.toEqual(a);
  });

  test("faults never corrupt state: a flaky run converges", async () => {
    const h = await emulator({
      faults: { seed: "chaos", errorRate: 0.3, resetRate: 0.2, dropAfterApplyRate: 0.3 },
    });
    const dest = "gs://chaos-bucket";
    let registered = false;
    for (let i = 0; i < 30 && !registered; i++) {
      const res = await api(h, "POST", "/ownership", { body: { destination_conf: dest } }).catch(
        () => undefined,
      );
      registered = res?.status === 200 || res?.status === 409;
    }
    expect(registered).toBe(true);
    expect(h.ownerships()).toHaveLength(1);
    h.setFaults({ errorRate: 0, resetRate: 0, dropAfterApplyRate: 0 });
    expect(result<unknown[]>(await api(h, "GET", "/ownership"))).toHaveLength(1);
  });

  test("bad fault settings are refused", async () => {
    const h = await emulator();
    expect(() => h.setFaults({ errorRate: 2 })).toThrow(/errorRate/);
    expect(() => h.setFaults({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
});

describe("request counting and logging", () => {
  test("counts per route key and per status, and resets", async () => {
    const entries: RequestLogEntry[] = [];
    const h = await emulator({ log: (e) => entries.push(e), token: "log-secret-token" });
    const dest = "s3://count-bucket";
    const o = await validatedBucket(h, dest);
    const c = result<{ id: string }>(await api(h, "POST", "", { body: SIMPLE }));
    await api(h, "POST", "", { body: SIMPLE });
    await api(h, "GET", "");
    await api(h, "GET", `/${c.id}`);
    await api(h, "GET", `/${c.id}/download`);
    await api(h, "PUT", `/${c.id}/stop`);
    await api(h, "GET", "/ownership");
    await api(h, "DELETE", `/ownership/${o.id as string}`);
    await api(h, "GET", "/nothex/download");
    await api(h, "PATCH", "");
    expect(h.requestCounts()).toEqual({
      "POST /pcaps/ownership": 1,
      "POST /pcaps/ownership/validate": 1,
      "POST /pcaps": 2,
      "GET /pcaps": 1,
      "GET /pcaps/:id": 1,
      "GET /pcaps/:id/download": 2,
      "PUT /pcaps/:id/stop": 1,
      "GET /pcaps/ownership": 1,
      "DELETE /pcaps/ownership/:id": 1,
      OTHER: 1,
    });
    expect(
      Object.keys(h.requestCounts())
        .filter((k) => k !== "OTHER")
        .sort(),
    ).toEqual([...ROUTE_KEYS].sort());
    expect(h.statusCounts()).toEqual({ 200: 6, 204: 1, 400: 3, 404: 1, 429: 1 });
    expect(h.statusCounts()["429"]).toBe(1);
    expect(entries).toHaveLength(12);
    expect(entries[2]).toMatchObject({ method: "POST", route: "POST /pcaps", status: 200 });
    expect(JSON.stringify(entries)).not.toContain("log-secret-token");
    h.resetCounts();
    expect(h.requestCounts()).toEqual({});
    expect(h.statusCounts()).toEqual({});
  });
});
