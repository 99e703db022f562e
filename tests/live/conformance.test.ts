/**
 * The conformance scenarios, through the package's own client and functions: against a fresh emulator
 * by default, against Cloudflare's real API with CLOUDFLARE_PCAP_LIVE=1 (README, "Conformance against the
 * real API"). Every answer passes through a recording proxy, and the last test writes the shape report.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { isCaptureDone, PcapApiError, PcapClient, type Capture } from "../../client";
import { pollUntil } from "../../provider/wait";
import { downloadPacketCapture, getBucketOwnerships, getPacketCaptures } from "../../sdk";
import { Cleanup } from "./cleanup";
import { LIVE_ENV, resolveSuiteSettings, type SuiteSettings } from "./settings";
import { OBJECT_KINDS, summarize } from "./shape";
import { openTarget, type Target } from "./target";

/** Settings errors fail every test from beforeAll, with the message naming what is missing. */
const settings: SuiteSettings | Error = (() => {
  try {
    return resolveSuiteSettings(process.env);
  } catch (err) {
    return err as Error;
  }
})();
const waitSeconds = settings instanceof Error ? 20 : settings.timeoutSeconds;
/** Long enough for the slowest wait plus the requests around it. */
const SCENARIO_TIMEOUT_MS = (waitSeconds + 60) * 1000;

/** The smallest capture the API accepts in a useful form: 2 s, at most 10 packets, every packet. */
const TINY_CAPTURE = { type: "simple", system: "magic-transit", timeLimit: 2, packetLimit: 10 } as const;
/** Classic libpcap magics (micro- and nanosecond, either byte order). */
const PCAP_MAGICS = ["a1b2c3d4", "d4c3b2a1", "a1b23c4d", "4d3cb2a1"];
const SCENARIOS = {
  list: "lists captures and ownerships",
  capture: "runs one tiny simple capture to a downloaded pcap file",
  error: "answers an unknown capture id with an error envelope",
  bucket: "registers, validates and deletes a bucket",
} as const;

let target: Target;
let client: PcapClient;
let cleanup: Cleanup;
let workDir: string;
const outcomes: Record<string, string> = {};

beforeAll(async () => {
  if (settings instanceof Error) throw settings;
  target = await openTarget(settings);
  client = new PcapClient({
    credentials: { apiToken: target.apiToken },
    baseUrl: target.baseUrl,
    // Waits and retries (the one-simple-capture-per-minute rule) are worth seeing in a live run.
    log: (event) => console.warn(event.message),
  });
  cleanup = new Cleanup(client, target.accountId);
  workDir = await mkdtemp(join(tmpdir(), "pcap-live-"));
}, 60_000);

afterAll(async () => {
  await cleanup?.run();
  await client?.close();
  await target?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, SCENARIO_TIMEOUT_MS);

/** A test whose outcome also goes into the report; a failure's message is kept free of the token. */
function scenario(name: string, body: () => Promise<string | void>): void {
  it(
    name,
    async () => {
      try {
        const detail = await body();
        outcomes[name] = detail ? `passed (${detail})` : "passed";
      } catch (err) {
        const message = String((err as Error).message ?? err).split("\n")[0];
        outcomes[name] = `failed: ${message.split(target.apiToken).join("<token>")}`;
        throw err;
      }
    },
    SCENARIO_TIMEOUT_MS,
  );
}

/** Runs `use` with the package's environment variables pointing at the target (the functions read them). */
async function withPackageEnvironment<T>(use: () => Promise<T>): Promise<T> {
  const names = [LIVE_ENV.apiToken, LIVE_ENV.accountId, LIVE_ENV.baseUrl] as const;
  const saved = names.map((name) => process.env[name]);
  process.env[LIVE_ENV.apiToken] = target.apiToken;
  process.env[LIVE_ENV.accountId] = target.accountId;
  process.env[LIVE_ENV.baseUrl] = target.baseUrl;
  try {
    return await use();
  } finally {
    names.forEach((name, i) => {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    });
  }
}

/** Polls `poll` until `isDone`, within the target's timeout; fails naming `what` and the last state. */
async function waitFor<T>(
  what: string,
  first: T,
  poll: () => Promise<T>,
  isDone: (v: T) => boolean,
  describe: (v: T) => string,
) {
  const result = await pollUntil(first, {
    what,
    poll,
    isDone,
    describe,
    timeoutSeconds: target.timeoutSeconds,
    firstIntervalMs: target.kind === "emulator" ? 250 : 2000,
    maxIntervalMs: target.kind === "emulator" ? 1000 : 15_000,
  });
  if (!result.done) {
    throw new Error(
      `${what}: still ${describe(result.value)} after ${result.waitedSeconds} s (${LIVE_ENV.timeoutSeconds} sets how long to wait)`,
    );
  }
  return result.value;
}

scenario(SCENARIOS.list, async () => {
  const captures = await client.listCaptures(target.accountId);
  const ownerships = await client.listOwnerships(target.accountId);
  for (const capture of captures)
    expect(capture).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: expect.any(String),
    });
  for (const ownership of ownerships) {
    expect(ownership).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      destinationConf: expect.any(String),
      filename: expect.any(String),
      status: expect.any(String),
    });
  }
  // The public functions read the same lists through the package's settings.
  const [viaCaptures, viaOwnerships] = await withPackageEnvironment(() =>
    Promise.all([getPacketCaptures(), getBucketOwnerships()]),
  );
  expect(viaCaptures.map((c) => c.id)).toEqual(captures.map((c) => c.id));
  expect(viaOwnerships.map((o) => o.id)).toEqual(ownerships.map((o) => o.id));
  return `${captures.length} captures, ${ownerships.length} ownerships`;
});

scenario(SCENARIOS.capture, async () => {
  const created = await client.createCapture(target.accountId, TINY_CAPTURE);
  cleanup.captureMade(created.id);
  expect(created).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), type: "simple" });

  const finished = await waitFor<Capture>(
    `simple capture ${created.id} to finish`,
    created,
    () => client.getCapture(target.accountId, created.id),
    (capture) => isCaptureDone(capture.status),
    (capture) => capture.status,
  );
  if (finished.status === "failed") {
    throw new Error(`simple capture ${created.id} failed: ${finished.errorMessage ?? "no error_message"}`);
  }
  const listed = await client.listCaptures(target.accountId);
  expect(listed.map((c) => c.id)).toContain(created.id);

  const path = join(workDir, `${created.id}.pcap`);
  const downloaded = await withPackageEnvironment(() => downloadPacketCapture({ id: created.id, path }));
  const size = (await stat(path)).size;
  const header = Buffer.alloc(4);
  const file = await open(path);
  await file.read(header, 0, 4, 0).finally(() => file.close());
  const magic = header.toString("hex");
  expect(PCAP_MAGICS).toContain(magic);
  expect(downloaded.bytes).toBe(size);
  expect(downloaded.packets).toBeLessThanOrEqual(TINY_CAPTURE.packetLimit);
  return `status ${finished.status}; pcap magic ${magic}, ${downloaded.packets} packets, ${size} bytes`;
});

scenario(SCENARIOS.error, async () => {
  const unknownId = randomBytes(16).toString("hex");
  const failure = await client.getCapture(target.accountId, unknownId).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(PcapApiError);
  const error = failure as PcapApiError;
  expect(error.status).toBeGreaterThanOrEqual(400);
  expect(error.status).toBeLessThan(500);
  expect(error.message.includes(target.apiToken)).toBe(false);
  return `HTTP ${error.status}, codes ${error.codes.join(", ")}`;
});

// Defined only when there is a bucket to use; the report and the console say when it did not run.
const bucketNotRun =
  !(settings instanceof Error) && settings.kind === "live" && settings.bucket === undefined
    ? `${LIVE_ENV.bucket} is not set`
    : undefined;
if (bucketNotRun === undefined) {
  scenario(SCENARIOS.bucket, async () => {
    if ("notRun" in target.bucket) throw new Error(`no bucket: ${target.bucket.notRun}`);
    const { destinationConf, readChallenge } = target.bucket;
    const before = await client.listOwnerships(target.accountId);
    const existing = before.filter((o) => o.destinationConf === destinationConf).map((o) => o.id);
    if (existing.length > 0) {
      throw new Error(
        `${destinationConf} is already registered in the account (ownership ${existing.join(", ")}); the suite ` +
          `never deletes what it did not make: delete that registration or name another bucket in ${LIVE_ENV.bucket}`,
      );
    }
    cleanup.watchBucket(destinationConf, existing);

    const registered = await client.addOwnership(target.accountId, destinationConf);
    expect(registered).toMatchObject({ destinationConf, filename: expect.stringMatching(/\S/) });
    // Cloudflare writes the challenge file when it registers the bucket; give it time to appear.
    let lastProblem = "";
    const tryReading = () =>
      readChallenge(registered.filename).catch((err: unknown) => {
        lastProblem = (err as Error).message;
        return undefined;
      });
    const challenge = await waitFor(
      `challenge file ${registered.filename} to be readable`,
      await tryReading(),
      tryReading,
      (text) => text !== undefined,
      () => `unreadable (${lastProblem})`,
    );
    // Validation may stay pending for minutes on the real API ("five to ten minutes", the docs say).
    const answered = await client.validateOwnership(target.accountId, destinationConf, challenge!);
    const validated = await waitFor<string | undefined>(
      `bucket ${destinationConf} to validate`,
      answered.status,
      async () => (await client.listOwnerships(target.accountId)).find((o) => o.id === registered.id)?.status,
      (status) => status !== undefined && status !== "pending",
      (status) => status ?? "not listed",
    );
    expect(validated).toBe("success");

    await client.deleteOwnership(target.accountId, registered.id);
    cleanup.ownershipDeleted(registered.id);
    const after = await client.listOwnerships(target.accountId);
    expect(after.map((o) => o.id)).not.toContain(registered.id);
    return `ownership ${registered.id}: ${registered.status} → ${validated} → deleted`;
  });
} else {
  outcomes[SCENARIOS.bucket] = `not run: ${bucketNotRun}`;
}

it(
  "writes the shape report, without the credential",
  async () => {
    const cleanupLines = await cleanup.run();
    const report = target.recorder.report({
      target: target.kind,
      baseUrl: target.upstreamBaseUrl,
      scenarios: outcomes,
      cleanup: cleanupLines,
    });
    const reportPath = (settings as SuiteSettings).reportPath;
    await mkdir(dirname(reportPath), { recursive: true });
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);

    const written = await readFile(reportPath, "utf8");
    expect(written.includes(target.apiToken)).toBe(false);
    const kinds = Object.keys(report.objects);
    expect(kinds).toEqual(
      expect.arrayContaining([
        OBJECT_KINDS.simpleCapture,
        OBJECT_KINDS.successEnvelope,
        OBJECT_KINDS.errorEnvelope,
      ]),
    );
    if (bucketNotRun === undefined) expect(kinds).toContain(OBJECT_KINDS.ownership);

    const headline =
      target.kind === "emulator"
        ? `live: skipped — ${LIVE_ENV.live} is not set; the scenarios ran against the emulator`
        : `live: the scenarios ran against ${target.upstreamBaseUrl}`;
    console.log(`${headline}\nshape report: ${reportPath}\n${summarize(report)}\n${cleanupLines.join("\n")}`);
  },
  SCENARIO_TIMEOUT_MS,
);
