/**
 * `capture --type simple`, `get`, `stop`, `merge` and `summary` in-process against an emulator on a fast
 * clock: the file holds only what the filter matches (tshark says), the summary's figures are tshark's,
 * --json is one camelCase document, and Ctrl-C leaves no file and says how to resume.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { cli, cliInterrupted, envFor, TOKEN, tshark } from "./helpers";

let emulator: EmulatorHandle;
let env: NodeJS.ProcessEnv;
let dir: string;
/** The file the first test captures, reused by merge and summary. */
let sample: string;
let sampleId: string;

beforeAll(async () => {
  // 30 emulated seconds a second: a 10 s simple capture is done in a third of a second.
  emulator = await startEmulator({ token: TOKEN, timeScale: 30, simpleCaptureIntervalSeconds: 0 });
  env = envFor(emulator);
  dir = mkdtempSync(join(tmpdir(), "pcap-cli-capture-"));
  sample = join(dir, "sample.pcap");
});

afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** "2026-11-30T15:50:24.699123Z" → seconds since the epoch, keeping every fraction digit. */
function epoch(rfc3339: string): number {
  const [whole, fraction = "0"] = rfc3339.replace("Z", "").split(".");
  return Date.parse(`${whole}Z`) / 1000 + Number(`0.${fraction}`);
}

const UDP_53 = ["--dst", "203.0.113.7", "--protocol", "udp", "--dst-port", "53"];

test("capture --type simple … -o: the file has only matching packets; the summary's figures are tshark's", async () => {
  const { code, stdout, stderr } = await cli(
    [
      "capture",
      "--type",
      "simple",
      "--time-limit",
      "10",
      "--packet-limit",
      "60",
      ...UDP_53,
      "--top",
      "1000",
      "-o",
      "sample.pcap",
    ],
    { env, cwd: dir },
  );
  expect(code).toBe(0);
  sampleId = /^started simple capture ([0-9a-f]{32}) \(udp \* -> 203\.0\.113\.7:53\)\n/.exec(stderr)![1];
  expect(stderr).toContain(`capture ${sampleId}: pending, 0 s of 10 s\n`);
  expect(stderr).toContain(`downloading capture ${sampleId}\n`);

  const packets = tshark(sample, ["ip.dst", "ip.proto", "udp.dstport", "frame.len"]);
  expect(packets).toHaveLength(60);
  for (const [dst, proto, port] of packets) expect([dst, proto, port]).toEqual(["203.0.113.7", "17", "53"]);
  const wireBytes = packets.reduce((sum, p) => sum + Number(p[3]), 0);

  const lines = stdout.split("\n");
  expect(lines[0]).toMatch(/^sample\.pcap: \d+ bytes, 60 packets$/);
  expect(lines[1]).toMatch(new RegExp(`^60 packets, ${wireBytes} bytes on the wire `));
  const times = tshark(sample, ["frame.time_epoch"]).map(([t]) => t);
  expect(lines[2]).toMatch(/^first packet \S+Z$/);
  expect(lines[3]).toMatch(/^last packet {2}\S+Z \([\d.]+ s later\)$/);
  expect(epoch(lines[2].split(" ").at(-1)!)).toBeCloseTo(Number(times[0]), 6);
  expect(epoch(lines[3].split(/ +/)[2])).toBeCloseTo(Number(times.at(-1)), 6);
  // Every flow is UDP to port 53, and the flows' packets and bytes add up to the file's.
  expect(stdout).toMatch(/\nFlows \(\d+\)\n/);
  const rows = stdout.slice(stdout.indexOf("PROTO")).trimEnd().split("\n").slice(1);
  const flows = rows.map((row) => row.split(/ +/));
  for (const flow of flows) expect([flow[0], flow[2].endsWith("203.0.113.7:53")]).toEqual(["UDP", true]);
  expect(flows.reduce((sum, f) => sum + Number(f[3]), 0)).toBe(60);
  expect(flows.reduce((sum, f) => sum + Number(f[4]), 0)).toBe(wireBytes);
});

test("--json: one document, {capture, file, summary}, camelCase; progress stays on stderr", async () => {
  const { code, stdout, stderr } = await cli(
    ["capture", "--type", "simple", "--time-limit", "5", "--packet-limit", "20", "-o", "json.pcap", "--json"],
    { env, cwd: dir },
  );
  expect(code).toBe(0);
  expect(stderr).toContain("started simple capture");
  const result = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
  expect(Object.keys(result)).toEqual(["capture", "file", "summary"]);
  expect(result.capture).toMatchObject({ type: "simple", status: "success", timeLimit: 5 });
  expect(result.file).toEqual({
    path: join(dir, "json.pcap"),
    type: "simple",
    bytes: expect.any(Number),
    packets: 20,
    parts: [],
  });
  expect(result.summary).toMatchObject({ packets: 20, linkTypeName: "EN10MB", flows: expect.any(Array) });
  expect(stdout).not.toMatch(/"[a-z]+_[a-z_]+":/);
});

test("--detach prints the id (or {capture} with --json); get shows it; stop refuses a simple one", async () => {
  const detached = await cli(
    ["capture", "--type", "simple", "--time-limit", "5", "--packet-limit", "5", "--detach"],
    {
      env,
    },
  );
  expect(detached.code).toBe(0);
  expect(detached.stdout).toMatch(/^[0-9a-f]{32}\n$/);
  expect(detached.stderr).toBe("");
  const id = detached.stdout.trim();

  const json = await cli(
    ["capture", "--type", "simple", "--time-limit", "5", "--packet-limit", "5", "--no-follow", "--json"],
    {
      env,
    },
  );
  expect(JSON.parse(json.stdout)).toEqual({
    capture: expect.objectContaining({ type: "simple", timeLimit: 5 }),
  });

  const get = await cli(["get", sampleId], { env });
  expect(get.code).toBe(0);
  expect(get.stdout).toMatch(
    new RegExp(
      `^id +${sampleId}\ntype +simple\nstatus +success\n(.*\n)*filter +udp \\* -> 203\\.0\\.113\\.7:53\n`,
    ),
  );
  const getJson = await cli(["get", id, "--json"], { env });
  expect(JSON.parse(getJson.stdout)).toMatchObject({ id, type: "simple", timeLimit: 5 });

  const stop = await cli(["stop", id], { env });
  expect(stop.code).toBe(1);
  expect(stop.stdout).toBe("");
  expect(stop.stderr).toMatch(
    /^error: stop packet capture [0-9a-f]{32} in account .*\(code 1303, HTTP 400\)/,
  );
});

test("Ctrl-C while following a simple capture: no file, and the command to resume", async () => {
  const { code, stdout, stderr } = await cliInterrupted(
    ["capture", "--type", "simple", "--time-limit", "300", "--packet-limit", "5", "-o", "cut short.pcap"],
    { env, cwd: dir },
    /: pending, /,
  );
  expect(code).toBe(1);
  expect(stdout).toBe("");
  const id = /started simple capture ([0-9a-f]{32})/.exec(stderr)![1];
  expect(stderr).toContain(
    `error: stopped following simple capture ${id} (it keeps running); when it is done, save it with: ` +
      `pulumi-cloudflare-pcap download ${id} --wait -o 'cut short.pcap'\n`,
  );
  expect(readdirSync(dir)).not.toContain("cut short.pcap");
});

test("merge: one file in time order with its parts and summary; summary prints the same figures", async () => {
  const merged = await cli(["merge", "sample.pcap", "json.pcap", "-o", "merged.pcap", "--top", "2"], {
    env: {},
    cwd: dir,
  });
  expect(merged.code).toBe(0);
  expect(merged.stdout).toMatch(
    new RegExp(
      `^merged\\.pcap: \\d+ bytes, 80 packets, merged from 2 parts\n  ${join(dir, "sample.pcap")}: 60 packets, \\d+ bytes\n  ${join(dir, "json.pcap")}: 20 packets, \\d+ bytes\n80 packets, `,
    ),
  );
  expect(merged.stdout).toMatch(/\nTop flows by bytes \(2 of \d+\)\n/);
  expect(merged.stderr).toBe("merging 2 files into merged.pcap\n");
  const times = tshark(join(dir, "merged.pcap"), ["frame.time_epoch"]).map(([t]) => Number(t));
  expect(times).toHaveLength(80);
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);

  const summary = await cli(["summary", "merged.pcap", "--top", "2"], { env: {}, cwd: dir });
  expect(summary.code).toBe(0);
  expect(summary.stdout).toBe(`merged.pcap\n${merged.stdout.split("\n").slice(3).join("\n")}`);
  const json = JSON.parse(
    (await cli(["summary", "merged.pcap", "--json"], { env: {}, cwd: dir })).stdout,
  ) as {
    packets: number;
    flows: unknown[];
  };
  expect(json).toMatchObject({ packets: 80, path: join(dir, "merged.pcap") });

  const mergedJson = await cli(["merge", "sample.pcap", "json.pcap", "-o", "again.pcap", "--json"], {
    env: {},
    cwd: dir,
  });
  expect(JSON.parse(mergedJson.stdout)).toEqual({
    file: expect.objectContaining({ path: join(dir, "again.pcap"), packets: 80, parts: expect.any(Array) }),
    summary: expect.objectContaining({ packets: 80 }),
  });

  const broken = await cli(["summary", "nothing-here.pcap"], { env: {}, cwd: dir });
  expect(broken.code).toBe(1);
  expect(broken.stderr).toMatch(/^error: .*nothing-here\.pcap/);
});
