/**
 * A full capture from the emulator to one pcap file, through a real S3 implementation (s3rver): the
 * emulator writes one file per edge server into its bucket directory, the test uploads them to s3rver
 * as Cloudflare would to the customer's bucket, and saveCapture / downloadPacketCapture list, fetch
 * and merge them. tshark judges the result.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  PcapClient,
  PcapFormatError,
  PcapStorageError,
  openStorage,
  saveCapture,
  type Capture,
  type SaveProgress,
} from "../../client";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { downloadPacketCapture } from "../../sdk";
import { convertedFullCapture } from "../support/emulator-captures";
import { startS3Server, type S3Server } from "../support/s3-server";

const BUCKET = "pcaps-bucket";
const DEST = `s3://${BUCKET}/edge?region=us-east-1`;
const savedEnv = { ...process.env };

let emulator: EmulatorHandle;
let s3: S3Server;
let client: PcapClient;
let capture: Capture;
/** The capture's files as the emulator wrote them, by name. */
let partNames: string[];
let workDir: string;

/** tshark prints this whenever it runs as root (CI does); it says nothing about the file. */
const ROOT_NOTICE = /^Running as user "root".*\n?/gm;

/** tshark's reading of a file: packet times, and whatever it said on stderr about the file. */
function tshark(file: string): { times: number[]; stderr: string } {
  const run = spawnSync("tshark", ["-r", file, "-T", "fields", "-e", "frame.time_epoch"], {
    encoding: "utf8",
  });
  expect(run.status).toBe(0);
  const times = run.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map(Number);
  return { times, stderr: run.stderr.replace(ROOT_NOTICE, "") };
}

function capinfosCount(file: string): number {
  const out = execFileSync("capinfos", ["-c", "-M", file], { encoding: "utf8" });
  return Number(/Number of packets:\s+(\d+)/.exec(out)?.[1]);
}

beforeAll(async () => {
  // The SDK warns once per process on Node 20 about its future Node 22 floor; not this test's subject.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  emulator = await startEmulator({ timeScale: 1e-6 });
  client = new PcapClient({ credentials: { apiToken: emulator.token }, baseUrl: emulator.url });
  capture = await convertedFullCapture(emulator, client, DEST, { packetLimit: 400 });
  expect(capture).toMatchObject({ status: "success", packetsCaptured: 200 });
  partNames = readdirSync(emulator.bucketDirectory(DEST)).filter((n) => n.startsWith(`pcap_${capture.id}`));
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
});

beforeEach(async () => {
  workDir = mkdtempSync(join(tmpdir(), "pcap-fetch-"));
  for (const key of await s3.keys(BUCKET)) await s3.remove(BUCKET, key);
  await s3.uploadDirectory(BUCKET, emulator.bucketDirectory(DEST), "edge");
  process.env = { ...savedEnv, ...s3.env };
});

afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(workDir, { recursive: true, force: true });
});

afterAll(async () => {
  await client?.close();
  await s3?.close();
  await emulator?.close();
});

test("the parts are merged into one pcap: tshark reads it cleanly, every packet is there, in time order", async () => {
  expect(partNames.length).toBeGreaterThanOrEqual(2);
  const events: SaveProgress[] = [];
  const path = join(workDir, "out", "full.pcap");
  const result = await saveCapture(client, emulator.accountId, capture.id, path, {
    onProgress: (p) => events.push(p),
  });

  const { times, stderr } = tshark(path);
  expect(stderr).toBe("");
  const partCounts = partNames.map((name) => capinfosCount(join(emulator.bucketDirectory(DEST), name)));
  const sum = partCounts.reduce((a, b) => a + b, 0);
  expect(sum).toBe(200);
  expect(times).toHaveLength(sum);
  expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);

  // The parts' packets interleave in time: a merge was needed, not a concatenation.
  const ranges = partNames.map((name) => tshark(join(emulator.bucketDirectory(DEST), name)).times);
  expect(ranges[1][0]).toBeLessThan(ranges[0][ranges[0].length - 1]);

  expect(result).toEqual({
    path,
    type: "full",
    bytes: readFileSync(path).length,
    packets: 200,
    bucket: `s3://${BUCKET}/edge`,
    parts: partNames.map((name, i) => ({
      name,
      source: `s3://${BUCKET}/edge/${name}`,
      packets: partCounts[i],
      bytes: readFileSync(join(emulator.bucketDirectory(DEST), name)).length,
    })),
  });
  // Listing, then each part fetched (1 of n … n of n) with sizes, then the merge.
  expect(events[0]).toEqual({ stage: "listing", prefix: `s3://${BUCKET}/edge/pcap_${capture.id}`, bytes: 0 });
  const totalBytes = result.parts.reduce((a, p) => a + p.bytes, 0);
  const lastFetch = events.filter((e) => e.stage === "fetching").pop();
  expect(lastFetch).toEqual({
    stage: "fetching",
    part: partNames.length,
    parts: partNames.length,
    name: partNames[partNames.length - 1],
    partBytes: result.parts[partNames.length - 1].bytes,
    partTotalBytes: result.parts[partNames.length - 1].bytes,
    bytes: totalBytes,
    totalBytes,
  });
  expect(events[events.length - 1]).toMatchObject({
    stage: "merging",
    parts: partNames.length,
    packets: 200,
  });
  expect(readdirSync(join(workDir, "out"))).toEqual(["full.pcap"]);
});

test("downloadPacketCapture saves a full capture the same way", async () => {
  process.env.CLOUDFLARE_API_TOKEN = emulator.token;
  process.env.CLOUDFLARE_BASE_URL = emulator.url;
  process.env.CLOUDFLARE_ACCOUNT_ID = emulator.accountId;
  const path = join(workDir, "sdk.pcap");
  const result = await downloadPacketCapture({ id: capture.id, path });
  expect(result).toMatchObject({ type: "full", packets: 200, path });
  expect(result.parts.map((p) => p.name)).toEqual(partNames);
  expect(capinfosCount(path)).toBe(200);
});

/** The target's directory holds nothing: no output, no partial file, no fetched parts. */
function expectNothingLeft(): void {
  expect(readdirSync(workDir)).toEqual([]);
}

test("a corrupt part: the merge's error names it by its object, and nothing is written", async () => {
  const name = partNames[1];
  const whole = readFileSync(join(emulator.bucketDirectory(DEST), name));
  await s3.put(BUCKET, `edge/${name}`, whole.subarray(0, whole.length - 7)); // cut inside the last record
  const saving = saveCapture(client, emulator.accountId, capture.id, join(workDir, "x.pcap"));
  await expect(saving).rejects.toThrow(PcapFormatError);
  await expect(saving).rejects.toThrow(`s3://${BUCKET}/edge/${name}`);
  expectNothingLeft();
});

test("a part listed but gone when fetched (404): an error naming it, and nothing is written", async () => {
  const gone = `edge/${partNames[partNames.length - 1]}`;
  const saving = saveCapture(client, emulator.accountId, capture.id, join(workDir, "x.pcap"), {
    // The real storage, with the object deleted between the listing and its fetch.
    storage: (location, operation) => {
      const real = openStorage(location, operation);
      return {
        credentialSource: real.credentialSource,
        list: async (prefix, signal) => {
          const listed = await real.list(prefix, signal);
          await s3.remove(BUCKET, gone);
          return listed;
        },
        download: (object, file, onBytes, signal) => real.download(object, file, onBytes, signal),
        close: () => real.close(),
      };
    },
  });
  await expect(saving).rejects.toThrow(PcapStorageError);
  await expect(saving).rejects.toThrow(new RegExp(`${gone}.*listed but is gone \\(404\\)`));
  expectNothingLeft();
});

test("no parts in the bucket: the error names the prefix and the likely reasons", async () => {
  for (const key of await s3.keys(BUCKET)) await s3.remove(BUCKET, key);
  const saving = saveCapture(client, emulator.accountId, capture.id, join(workDir, "x.pcap"));
  await expect(saving).rejects.toThrow(
    `nothing under s3://${BUCKET}/edge/pcap_${capture.id}. The capture may not have finished converting yet, or its files were moved or deleted`,
  );
  expectNothingLeft();
});

test("access denied: the error names the bucket and where the credentials came from, never the secret", async () => {
  process.env.AWS_ACCESS_KEY_ID = "UNKNOWNKEY";
  process.env.AWS_SECRET_ACCESS_KEY = "not-the-secret-7f3a9c";
  const saving = saveCapture(client, emulator.accountId, capture.id, join(workDir, "x.pcap"));
  await expect(saving).rejects.toThrow(PcapStorageError);
  const err = (await saving.catch((e: unknown) => e)) as Error;
  expect(err.message).toMatch(new RegExp(`access denied to bucket ${BUCKET} at the S3-compatible endpoint`));
  expect(err.message).toContain("AWS default credential chain");
  expect(err.message).not.toContain("not-the-secret-7f3a9c");
  expectNothingLeft();
});

test("aborted while the parts are fetched (Ctrl-C): the abort's reason, and nothing is written", async () => {
  const interrupted = new AbortController();
  const reason = new Error("interrupted by the user");
  const saving = saveCapture(client, emulator.accountId, capture.id, join(workDir, "x.pcap"), {
    signal: interrupted.signal,
    // Abort once the first part has been fetched, while the next is under way.
    onProgress: (p) => {
      if (p.stage === "fetching" && p.part === 2) interrupted.abort(reason);
    },
  });
  await expect(saving).rejects.toBe(reason);
  expectNothingLeft();
});

test("aborted while the parts are merged: the abort's reason, and nothing is written", async () => {
  const interrupted = new AbortController();
  const reason = new Error("interrupted by the user");
  const saving = saveCapture(client, emulator.accountId, capture.id, join(workDir, "x.pcap"), {
    signal: interrupted.signal,
    onProgress: (p) => {
      if (p.stage === "merging") interrupted.abort(reason);
    },
  });
  await expect(saving).rejects.toBe(reason);
  expectNothingLeft();
});
