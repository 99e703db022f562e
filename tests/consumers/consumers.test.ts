/**
 * The packed package, installed into fresh consumer projects with npm, pnpm 9 and yarn classic, runs a
 * Pulumi program from each: create → up again unchanged → destroy, through the engine stand-in against
 * the emulator.
 *
 * Each consumer lives in the OS temp directory with its own package.json, so nothing of this repository's
 * node_modules is reachable from it. The stand-in runs inside the consumer (consumer.ts, driver.ts) and
 * drives the consumer's own @pulumi/pulumi and its dynamic-provider plugin, whose working directory is
 * the consumer: each resource's `__provider` shim loads `pulumi-cloudflare-pcap/provider` from there.
 * The managers run one after another; each test prints how long its phases took. These projects leave out
 * the optional peer `@aws-sdk/client-s3`; a last pnpm project adds it and fetches a full capture.
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { promisify } from "node:util";
import { PcapClient, type SaveResult } from "../../client";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import type { StackState } from "../engine";
import { repoRoot } from "../support/package-link";
import { emulatorConfig } from "../support/pcap-stack";
import { convertedFullCapture } from "../support/emulator-captures";
import { startS3Server } from "../support/s3-server";
import {
  compileProgram,
  compileStandIn,
  createConsumer,
  deploy,
  installedVersion,
  packPackage,
  run,
  userEnv,
  type PackedPackage,
} from "./consumer";
import { PACKAGE_MANAGERS } from "./package-managers";

jest.setTimeout(10 * 60_000); // an install from a cold cache on a busy 2-core machine

const DEST = "s3://consumer-captures?region=us-east-1";
const OWNERSHIP = "pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnership";
const VALIDATION = "pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnershipValidation";
const CAPTURE = "pulumi-nodejs:dynamic/cloudflare-pcap:PacketCapture";

let work: string;
let packed: PackedPackage;
let standInBuild: string;
let emulator: EmulatorHandle | undefined;

beforeAll(async () => {
  work = realpathSync(mkdtempSync(join(tmpdir(), "pcap-consumers-")));
  standInBuild = join(work, "stand-in");
  mkdirSync(join(work, "pkg"));
  [packed] = await Promise.all([packPackage(join(work, "pkg")), compileStandIn(standInBuild)]);
}, 5 * 60_000);

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Wall time per phase, printed once per package manager (informational; nothing is asserted on it). */
async function timed<T>(times: Record<string, number>, phase: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await step();
  } finally {
    times[phase] = (Date.now() - start) / 1000;
  }
}

it.each(PACKAGE_MANAGERS)("$label: install, then up → up unchanged → destroy", async (pm) => {
  const times: Record<string, number> = {};
  const dir = join(work, pm.name);
  mkdirSync(dir);
  createConsumer(dir, pm.name, packed.tarball, standInBuild);

  await timed(times, "install", () => run(pm.command, pm.args, dir));
  // The layout is the manager's own: pnpm leaves the SDK's dependencies out of the project's top level.
  expect(existsSync(join(dir, "node_modules", "google-protobuf"))).toBe(pm.hoists);
  expectInstalledAsPacked(dir, packed);
  await timed(times, "typecheck", () => compileProgram(dir));

  emulator = await startEmulator({ timeScale: 60, simpleCaptureIntervalSeconds: 0 });
  const deployment = {
    config: {
      ...emulatorConfig(emulator),
      destinationConf: DEST,
      emulatorBucketDir: emulator.bucketDirectory(DEST),
    },
    stateFile: join(dir, ".state", "dev.json"),
  };

  const created = await timed(times, "up", () => deploy(dir, "up", deployment));
  // The stand-in drove the consumer's own SDK, not this repository's.
  expect(created.sdk.startsWith(dir + sep)).toBe(true);
  expect(created.result!.summary).toEqual({ create: 3 });
  const [ownership] = emulator.ownerships();
  const [capture] = emulator.captures();
  expect(emulator.ownerships()).toEqual([
    expect.objectContaining({ destination_conf: DEST, status: "success" }),
  ]);
  expect(emulator.captures()).toEqual([expect.objectContaining({ type: "simple", status: "success" })]);
  expect(created.result!.outputs).toEqual({
    ownershipId: ownership.id,
    ownershipStatus: "success",
    captureId: capture.id,
    captureStatus: "success",
  });
  expectPortableState(readState(deployment.stateFile), dir, emulator);

  emulator.resetCounts();
  const again = await timed(times, "up again", () => deploy(dir, "up", deployment));
  // Independent resources register in any order (the validation waits for the challenge file).
  expect(again.result!.steps.map((s) => `${s.type} ${s.op}`).sort()).toEqual([
    `${OWNERSHIP} same`,
    `${VALIDATION} same`,
    `${CAPTURE} same`,
  ]);
  expect(again.result!.changed).toBe(false);
  expect(emulator.requestCounts()["POST /pcaps"] ?? 0).toBe(0);
  expect(emulator.requestCounts()["POST /pcaps/ownership"] ?? 0).toBe(0);

  const destroyed = await timed(times, "destroy", () => deploy(dir, "destroy", deployment));
  expect(destroyed.result!.summary).toEqual({ delete: 3 });
  await emulator.advance(0);
  expect(emulator.ownerships()).toEqual([]);
  expect(emulator.captures().filter((c) => c.status === "pending" || c.status === "running")).toEqual([]);
  expect(readState(deployment.stateFile).resources).toEqual([]);

  const report = Object.entries(times).map(([phase, s]) => `${phase} ${s.toFixed(1)} s`);
  console.log(`${pm.name}: ${report.join(", ")}`);
});

/**
 * A full capture fetched and merged by the installed package, in pnpm's isolated layout: the one where
 * the optional peer `@aws-sdk/client-s3` could fail to resolve from the package's own location. Runs in
 * the pnpm consumer the test above installed, after it adds the peer as a user would.
 */
it("pnpm 9: with @aws-sdk/client-s3 added, the package fetches a full capture from S3 and merges it", async () => {
  const dir = join(work, "pnpm-s3");
  mkdirSync(dir);
  createConsumer(dir, "pnpm-s3", packed.tarball, standInBuild);
  // The user adds the optional peer to their project, next to the package.
  const manifestPath = join(dir, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { dependencies: Record<string, string> };
  manifest.dependencies["@aws-sdk/client-s3"] = installedVersion("@aws-sdk/client-s3");
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
  const pnpm = PACKAGE_MANAGERS.find((pm) => pm.name === "pnpm")!;
  await run(pnpm.command, pnpm.args, dir);

  emulator = await startEmulator({ timeScale: 1e-6 });
  const client = new PcapClient({ credentials: { apiToken: emulator.token }, baseUrl: emulator.url });
  const s3 = await startS3Server();
  try {
    const capture = await convertedFullCapture(emulator, client, DEST);
    await s3.createBucket("consumer-captures");
    const parts = await s3.uploadDirectory("consumer-captures", emulator.bucketDirectory(DEST), "");
    expect(parts.length).toBeGreaterThanOrEqual(2);

    writeFileSync(join(dir, "fetch.js"), FETCH_PROGRAM);
    const { stdout } = await promisify(execFile)(process.execPath, ["fetch.js", capture.id], {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...userEnv(),
        ...s3.env,
        CLOUDFLARE_API_TOKEN: emulator.token,
        CLOUDFLARE_BASE_URL: emulator.url,
        CLOUDFLARE_ACCOUNT_ID: emulator.accountId,
      },
    });
    const { result, peer } = JSON.parse(stdout) as { result: SaveResult; peer: string };
    // The peer came from the consumer's own store, through the package's location.
    expect(peer.startsWith(join(dir, "node_modules", ".pnpm") + sep)).toBe(true);
    expect(result).toMatchObject({
      type: "full",
      packets: capture.packetsCaptured,
    });
    expect(result.parts.map((p) => p.name)).toEqual(parts);
    const header = readFileSync(join(dir, "full.pcap")).readUInt32LE(0);
    expect(header.toString(16)).toMatch(/^(a1b2c3d4|a1b23c4d)$/);
  } finally {
    await client.close();
    await s3.close();
  }
});

/** Run in the consumer: the installed package's saveCapture, and where the peer resolves from its files. */
const FETCH_PROGRAM = `
const { dirname } = require("node:path");
const { PcapClient, saveCapture } = require("pulumi-cloudflare-pcap/client");
const peer = require.resolve("@aws-sdk/client-s3", { paths: [dirname(require.resolve("pulumi-cloudflare-pcap/client"))] });
const client = new PcapClient({ credentials: { apiToken: process.env.CLOUDFLARE_API_TOKEN }, baseUrl: process.env.CLOUDFLARE_BASE_URL });
saveCapture(client, process.env.CLOUDFLARE_ACCOUNT_ID, process.argv[2], "full.pcap")
  .then((result) => process.stdout.write(JSON.stringify({ result, peer })))
  .finally(() => client.close());
`;

function readState(file: string): StackState {
  return JSON.parse(readFileSync(file, "utf8")) as StackState;
}

/**
 * The package in the consumer's node_modules holds the packed files, byte for byte (not, say, an older
 * tarball of the same version from the package manager's cache).
 */
function expectInstalledAsPacked(dir: string, pkg: PackedPackage): void {
  const installed = realpathSync(join(dir, "node_modules", "pulumi-cloudflare-pcap"));
  const differing = pkg.files.filter((file) => {
    const path = join(installed, file);
    return !existsSync(path) || !readFileSync(path).equals(readFileSync(join(pkg.unpacked, file)));
  });
  expect(differing).toEqual([]);
}

/** Each `__provider` is the same text in inputs and outputs, with no path and no credential in it. */
function expectPortableState(state: StackState, dir: string, emu: EmulatorHandle): void {
  const custom = state.resources.filter((r) => r.custom);
  expect(custom.map((r) => r.type).sort()).toEqual([OWNERSHIP, VALIDATION, CAPTURE]);
  for (const resource of custom) {
    const provider = resource.outputs.__provider;
    expect(typeof provider).toBe("string");
    expect(provider).toBe(resource.inputs.__provider);
    for (const place of [dir, tmpdir(), repoRoot(), "node_modules"]) expect(provider).not.toContain(place);
    // No string literal that starts like an absolute path (POSIX or Windows).
    expect(provider).not.toMatch(/["'`](\/|[A-Za-z]:\\)/);
  }
  const text = JSON.stringify(state);
  expect(text).not.toContain(emu.token);
  expect(text).not.toContain(emu.apiKey);
}
