import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../emulator";
import { api, closeAll, emulator, fullBody, result, SIMPLE, validatedBucket } from "./helpers";

afterEach(closeAll);

const DEST = "r2://persisted-bucket/dir?account-id=abc";

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
});
