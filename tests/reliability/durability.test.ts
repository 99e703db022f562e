/**
 * Durability of the emulator: the built CLI (`dist/emulator/cli.js --persist`) as a child process, killed
 * with SIGKILL in the middle of a burst of concurrent writes, five times over the same data directory.
 * After each restart every acknowledged write is there (registrations with their challenge files,
 * captures, deletions), the state file parses, and the restarted emulator serves the same credential.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const CLI = resolve(__dirname, "../../dist/emulator/cli.js");
const WORKERS = 16;
/** The capture list keeps the newest 50: stay under it so no acknowledged capture drops off. */
const MAX_CAPTURE_REQUESTS = 45;
const KILL_AFTER_MS = [100, 300, 600, 900, 1200];

interface Running {
  child: ChildProcess;
  url: string;
  token: string;
  account: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  dataDir = mkdtempSync(join(tmpdir(), "pcap-durability-"));
});

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<Running> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      "--persist",
      "--data-dir",
      dataDir,
      "--port",
      "0",
      "--simple-capture-interval",
      "0",
      "--rate-limit",
      "100000/300",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  await new Promise<void>((ready, failed) => {
    reader.on("line", (line) => {
      lines.push(line);
      if (lines.length === 3) ready();
    });
    void exited.then(({ code }) =>
      failed(new Error(`the emulator exited (${code}) before starting: ${stderr}`)),
    );
  });
  reader.close();
  const url = /listening on (\S+)$/.exec(lines[0])![1];
  const token = /^token: (\S+)$/.exec(lines[1])![1];
  const account = /^account: ([0-9a-f]{32})$/.exec(lines[2])![1];
  return { child, url, token, account, exited };
}

/** What clients were told succeeded, across all cycles. */
const acked = {
  ownerships: new Map<string, { destination: string; filename: string }>(),
  deleted: new Set<string>(),
  captures: new Set<string>(),
};
/** Deletes sent but not acknowledged: either outcome is right. */
const deleteAttempted = new Set<string>();
let captureRequests = 0;
let writes = 0;

async function burst(emu: Running, cycle: number, killAfterMs: number): Promise<void> {
  const headers = { authorization: `Bearer ${emu.token}`, "content-type": "application/json" };
  const base = `${emu.url}/accounts/${emu.account}/pcaps`;
  let stopped = false;
  const worker = async (w: number) => {
    for (let n = 0; !stopped; n++) {
      try {
        if (n % 5 === 4 && captureRequests < MAX_CAPTURE_REQUESTS) {
          captureRequests++;
          writes++;
          const res = await fetch(base, {
            method: "POST",
            headers,
            body: JSON.stringify({
              system: "magic-transit",
              type: "simple",
              time_limit: 5,
              packet_limit: 10,
            }),
          });
          if (res.status === 200)
            acked.captures.add(((await res.json()) as { result: { id: string } }).result.id);
        } else if (n % 7 === 6 && acked.ownerships.size > acked.deleted.size + deleteAttempted.size) {
          const id = [...acked.ownerships.keys()].find(
            (k) => !acked.deleted.has(k) && !deleteAttempted.has(k),
          );
          if (!id) continue;
          deleteAttempted.add(id);
          writes++;
          const res = await fetch(`${base}/ownership/${id}`, { method: "DELETE", headers });
          if (res.status === 204) {
            acked.deleted.add(id);
            deleteAttempted.delete(id);
          }
        } else {
          const destination = `s3://durable-${cycle}-${w}-${n}?region=us-east-1`;
          writes++;
          const res = await fetch(`${base}/ownership`, {
            method: "POST",
            headers,
            body: JSON.stringify({ destination_conf: destination }),
          });
          if (res.status === 200) {
            const { result } = (await res.json()) as { result: { id: string; filename: string } };
            acked.ownerships.set(result.id, { destination, filename: result.filename });
          }
        }
      } catch {
        return; // the emulator was killed under this request: its outcome is unknown, and allowed either way
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  await new Promise((r) => setTimeout(r, killAfterMs));
  emu.child.kill("SIGKILL");
  stopped = true;
  expect((await emu.exited).signal).toBe("SIGKILL");
  await Promise.all(workers);
}

async function verify(emu: Running): Promise<void> {
  const headers = { authorization: `Bearer ${emu.token}` };
  const base = `${emu.url}/accounts/${emu.account}/pcaps`;
  const ownerships = (
    (await (await fetch(`${base}/ownership`, { headers })).json()) as { result: { id: string }[] }
  ).result;
  const captures = ((await (await fetch(base, { headers })).json()) as { result: { id: string }[] }).result;
  const ownershipIds = new Set(ownerships.map((o) => o.id));
  const captureIds = new Set(captures.map((c) => c.id));
  const lost: string[] = [];
  for (const [id, { destination, filename }] of acked.ownerships) {
    if (acked.deleted.has(id)) {
      if (ownershipIds.has(id)) lost.push(`deletion of ownership ${id}`);
    } else if (!deleteAttempted.has(id)) {
      if (!ownershipIds.has(id)) lost.push(`ownership ${id} (${destination})`);
      const bucket = /^s3:\/\/([^?]+)/.exec(destination)![1];
      if (!existsSync(join(dataDir, "buckets", "s3", bucket, filename))) lost.push(`challenge file of ${id}`);
    }
  }
  for (const id of acked.captures) if (!captureIds.has(id)) lost.push(`capture ${id}`);
  expect(lost).toEqual([]);
}

test("SIGKILL during a burst of writes loses no acknowledged write, five times over", async () => {
  let emu = await start();
  const identity = { token: emu.token, account: emu.account };
  const leftovers: string[] = [];
  for (const [cycle, killAfterMs] of KILL_AFTER_MS.entries()) {
    await burst(emu, cycle, killAfterMs);
    // The state file parses as a snapshot, whatever moment the kill came at.
    const state = JSON.parse(readFileSync(join(dataDir, "state.json"), "utf8")) as {
      version: number;
      accounts: object;
    };
    expect(state.version).toBe(1);
    leftovers.push(...readdirSync(dataDir).filter((f) => f.endsWith(".tmp")));
    emu = await start();
    // Without --token/--account the restarted emulator reuses the stored identity: clients keep working.
    expect({ token: emu.token, account: emu.account }).toEqual(identity);
    await verify(emu);
    // A restart cleans up what a kill left half-written.
    expect(readdirSync(dataDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }
  emu.child.kill("SIGTERM");
  expect((await emu.exited).code).toBe(0);
  expect(acked.ownerships.size).toBeGreaterThan(20);
  console.log(
    `durability: ${KILL_AFTER_MS.length} SIGKILLs during ${writes} concurrent writes; acknowledged ` +
      `${acked.ownerships.size} registrations, ${acked.deleted.size} deletions, ${acked.captures.size} captures: ` +
      `all present after restart (${leftovers.length} half-written temp files left by the kills, removed on restart)`,
  );
}, 60_000);
