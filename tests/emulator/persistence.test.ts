import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../emulator";
import {
  api,
  closeAll,
  countPackets,
  downloadBytes,
  emulator,
  fullBody,
  result,
  SIMPLE,
  validatedBucket,
} from "./helpers";

afterEach(closeAll);

const DEST = "r2://persisted-bucket/dir?account-id=abc";

/** Moves every `…Ms` timestamp of a snapshot two days back. */
function shiftTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shiftTimes);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key.endsWith("Ms") && typeof v === "number" ? v - 2 * 86_400_000 : shiftTimes(v),
    ]),
  );
}

describe("persistence", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "pcap-persist-"));
  });
  afterEach(async () => {
    await closeAll();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("a restart on the same dataDir keeps every acknowledged capture and ownership", async () => {
    const first = await emulator({ dataDir, persist: true });
    const { token, accountId } = first;
    await validatedBucket(first, DEST);
    const simple = result<{ id: string }>(await api(first, "POST", "", { body: SIMPLE }));
    const full = result<{ id: string }>(
      await api(first, "POST", "", { body: fullBody(DEST, { time_limit: 20 }) }),
    );
    await first.advance(3600);
    expect(existsSync(join(dataDir, "state.json"))).toBe(true);
    const before = { captures: first.captures(), ownerships: first.ownerships(), now: first.now() };
    await first.close();
    // The caller owns the data directory: close() leaves it.
    expect(existsSync(join(dataDir, "state.json"))).toBe(true);
    expect(readdirSync(dataDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    // Without --token/--account the generated identity of the previous run is reused.
    const second = await emulator({ dataDir, persist: true });
    expect({ token: second.token, accountId: second.accountId }).toEqual({ token, accountId });
    // The emulated clock never goes back, so derived statuses are unchanged.
    expect(second.now()).toBeGreaterThanOrEqual(before.now);
    expect(second.captures()).toEqual(before.captures);
    expect(second.ownerships()).toEqual(before.ownerships);
    expect(result<{ status: string }>(await api(second, "GET", `/${full.id}`)).status).toBe("success");
    expect(result<{ status: string }>(await api(second, "GET", `/${simple.id}`)).status).toBe("success");
    // The per-minute rule survives too.
    const again = await api(second, "POST", "", { body: SIMPLE });
    expect(again.status).toBe(200);
  });

  test("a user-supplied token is never written to state.json", async () => {
    const h = await emulator({ dataDir, persist: true, token: "user-chosen-token" });
    await api(h, "GET", "");
    expect(readFileSync(join(dataDir, "state.json"), "utf8")).not.toContain("user-chosen-token");
  });

  test("state is written before the answer is sent", async () => {
    const h = await emulator({ dataDir, persist: true });
    const c = result<{ id: string }>(await api(h, "POST", "", { body: SIMPLE }));
    const saved = JSON.parse(readFileSync(join(dataDir, "state.json"), "utf8")) as {
      accounts: Record<string, { captures: { id: string }[] }>;
    };
    expect(saved.accounts[h.accountId].captures.map((x) => x.id)).toEqual([c.id]);
  });

  test("without persist nothing is written; a fresh temp dataDir is removed on close", async () => {
    const h = await startEmulator();
    const dir = h.dataDir;
    await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    expect(existsSync(join(dir, "state.json"))).toBe(false);
    await h.close();
    expect(existsSync(dir)).toBe(false);
  });

  test("a corrupt state.json fails start with a clear error", async () => {
    await writeFile(join(dataDir, "state.json"), JSON.stringify({ version: 9 }));
    await expect(startEmulator({ dataDir, persist: true })).rejects.toThrow(/state\.json/);
  });

  // Snapshots recorded with earlier versions' code (0.1.0, and 929e17e just before captures stopped
  // echoing packet_limit): state fixtures of users' stacks include them, so they must keep loading.
  test.each(["state-0.1.0.json", "state-929e17e.json"])(
    "a state.json written by older code (%s) loads and keeps serving",
    async (fixture) => {
      const path = join(__dirname, "fixtures", fixture);
      const saved = JSON.parse(readFileSync(path, "utf8")) as {
        identity: { accountId: string; token: string; apiKey: string };
        accounts: Record<string, { captures: { id: string; packetLimit?: number }[] }>;
      };
      const stored = saved.accounts[saved.identity.accountId].captures;
      // Its times are when it was recorded; moved two days back, every run loads the same finished state
      // (the emulated clock never starts before real time). Only values change, never the format.
      writeFileSync(
        join(dataDir, "state.json"),
        JSON.stringify(shiftTimes(JSON.parse(readFileSync(path, "utf8")))),
      );
      const h = await emulator({ dataDir, persist: true, timeScale: 1e-6, unknownFields: false });
      expect({ accountId: h.accountId, token: h.token, apiKey: h.apiKey }).toEqual(saved.identity);

      // The emulated clock never starts before real time, so everything recorded has finished by now.
      const listed = result<{ id: string; type: string; status: string; error_message?: string }[]>(
        await api(h, "GET", ""),
      );
      expect(listed.map((c) => [c.type, c.status])).toEqual([
        ["simple", "success"],
        ["full", "failed"], // was running; converting now finds its bucket directory was not carried over
        ["full", "success"], // stopped
        ["full", "success"],
        ["simple", "success"], // with offset_time
        ["simple", "failed"], // a filter that never matches
        ["simple", "success"],
      ]);
      expect(listed[1].error_message).toMatch(/bucket does not exist/);
      expect(listed.map((c) => c.id)).toEqual(stored.map((c) => c.id));
      expect(listed.map((c) => h.requestedPacketLimit(c.id))).toEqual(stored.map((c) => c.packetLimit));
      expect(listed.every((c) => !("packet_limit" in c))).toBe(true);
      expect(h.ownerships().map((o) => o.status)).toEqual(["success", "pending", "failed"]);

      // It keeps working: the old simple capture downloads its packet_limit of 4 packets, and new
      // captures join the old ones.
      expect(countPackets(await downloadBytes(h, listed[0].id))).toBe(4);
      expect((await api(h, "POST", "", { body: SIMPLE })).status).toBe(200);
      expect(h.captures()).toHaveLength(stored.length + 1);
      const after = h.captures();
      await h.close();
      const again = await emulator({ dataDir, persist: true, unknownFields: false });
      expect(again.captures()).toEqual(after);
    },
  );
});
