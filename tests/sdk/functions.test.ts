/**
 * The invoke-style functions run in the program's process: against the emulator, with settings from
 * stack config (inside a program) or from the environment (anywhere).
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BucketOwnership,
  downloadPacketCapture,
  getBucketOwnerships,
  getBucketOwnershipsOutput,
  getPacketCapture,
  getPacketCaptures,
  getPacketCapturesOutput,
} from "../../sdk";
import { finishedSimpleCapture } from "../support/emulator-captures";
import { startPcapStack, type PcapStack } from "../support/pcap-stack";

const DEST = "gs://function-bucket";
let env: PcapStack;
let workDir: string;
const saved = { ...process.env };

beforeEach(async () => {
  env = await startPcapStack();
  workDir = mkdtempSync(join(tmpdir(), "pcap-fn-"));
});
afterEach(async () => {
  process.env = { ...saved };
  pulumi.runtime.setAllConfig({}, []); // the stand-in left the last stack's config in the runtime
  await env.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** A simple capture of 20 packets at most, made directly with the client and already finished. */

function useEnvironment() {
  process.env.CLOUDFLARE_API_TOKEN = env.emulator.token;
  process.env.CLOUDFLARE_BASE_URL = env.emulator.url;
  process.env.CLOUDFLARE_ACCOUNT_ID = env.emulator.accountId;
}

it("inside a program, the Output forms read stack config", async () => {
  const result = await env.stack.up(async () => {
    const bucket = new BucketOwnership("b", { destinationConf: DEST });
    return {
      buckets: bucket.id.apply(() => getBucketOwnershipsOutput()),
      captures: getPacketCapturesOutput(),
    };
  });
  expect(result.outputs.buckets).toEqual([
    expect.objectContaining({ destinationConf: DEST, status: "pending", filename: expect.any(String) }),
  ]);
  expect(result.outputs.captures).toEqual([]);
});

it("from the environment: list, get and download a capture", async () => {
  useEnvironment();
  const capture = await finishedSimpleCapture(env.emulator, 20);

  expect(await getBucketOwnerships()).toEqual([]);
  expect((await getPacketCaptures()).map((c) => c.id)).toEqual([capture.id]);
  expect(await getPacketCapture({ id: capture.id })).toMatchObject({ id: capture.id, status: "success" });

  const path = join(workDir, "a", "b", "edge.pcap");
  const result = await downloadPacketCapture({ id: capture.id, path });
  expect(result).toEqual({
    type: "simple",
    bytes: readFileSync(path).length,
    packets: expect.any(Number),
    path,
    parts: [],
  });
  expect(result.packets).toBeGreaterThan(0);
  expect(result.packets).toBeLessThanOrEqual(20);
});

it("a failed download leaves no file at the target path", async () => {
  useEnvironment();
  const { emulator } = env;
  const capture = await finishedSimpleCapture(env.emulator, 20);
  emulator.setDownloadSize({ bytes: 8 * 1024 * 1024 });
  // The connection is cut mid-body: the server is closed while bytes flow.
  const path = join(workDir, "cut.pcap");
  const download = downloadPacketCapture({
    id: capture.id,
    path,
    onProgress: (p) => {
      if (p.bytes > 1024 * 1024) void emulator.close();
    },
  });
  await expect(download).rejects.toThrow();
  expect(existsSync(path)).toBe(false);
  expect(readdirSync(workDir)).toEqual([]);
});

it("without credentials, the error names every way to give them", async () => {
  delete process.env.CLOUDFLARE_API_TOKEN;
  delete process.env.CLOUDFLARE_API_KEY;
  await expect(getPacketCaptures({ accountId: env.emulator.accountId })).rejects.toThrow(
    /cloudflare:apiToken.*CLOUDFLARE_API_TOKEN/,
  );
});
