/**
 * Full captures from the command, end to end: buckets onboarded with `buckets add` / `validate @file`,
 * a full capture started, stopped on Ctrl-C and fetched from a real S3 implementation (s3rver) as one
 * merged pcap that tshark reads; the question on a terminal; `stop` and `download` of a full capture.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { PcapClient, type Capture } from "../../client";
import { cli, cliInterrupted, envFor, TOKEN, tshark } from "./helpers";
import { startMirroredS3, withProcessEnv, type S3Server } from "../support/s3-server";

const BUCKET_NAME = "cli-full-pcaps";
const BUCKET = `s3://${BUCKET_NAME}/edge?region=us-east-1`;

let emulator: EmulatorHandle;
let client: PcapClient;
let s3: S3Server;
let work: string;
let dir: string;
let env: NodeJS.ProcessEnv;

/** The progress line once the capture collects packets: the moment to press Ctrl-C. */
const RUNNING = /: running, /;
/** Runs with s3rver's endpoint and keys in process.env too (the AWS SDK reads them from there). */
const withS3 = <T>(run: () => Promise<T>) => withProcessEnv(s3.env, run);

beforeAll(async () => {
  // 20 emulated seconds a second: a full capture's 5 s pending and 10 s of conversion take 0.75 s.
  emulator = await startEmulator({ token: TOKEN, timeScale: 20 });
  client = new PcapClient({ credentials: { apiToken: TOKEN }, baseUrl: emulator.url });
  work = mkdtempSync(join(tmpdir(), "pcap-cli-full-"));
  s3 = await startMirroredS3({ [BUCKET_NAME]: join(emulator.dataDir, "buckets", "s3", BUCKET_NAME) });
  env = { ...envFor(emulator), ...s3.env };
});

afterAll(async () => {
  await client.close();
  await s3.close();
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  dir = mkdtempSync(join(work, "out-"));
});

describe("buckets", () => {
  test("add prints the validate command; validate reads @file; list and delete, text and --json", async () => {
    const add = await cli(["buckets", "add", BUCKET], { env });
    expect(add.code).toBe(0);
    const [ownership] = emulator.ownerships();
    expect(add.stdout).toContain(`${BUCKET}: ownership ${ownership.id}, status pending`);
    expect(add.stdout).toContain(
      `pulumi-cloudflare-pcap buckets validate 's3://${BUCKET_NAME}/edge?region=us-east-1' --challenge @${ownership.filename}`,
    );

    // The challenge file as a user downloads it: the token and a trailing newline.
    writeFileSync(join(dir, ownership.filename), `${emulator.readChallenge(BUCKET)}\n`);
    const validate = await cli(
      ["buckets", "validate", BUCKET, "--challenge", `@${ownership.filename}`, "--json"],
      {
        env,
        cwd: dir,
      },
    );
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toEqual({
      id: ownership.id,
      destinationConf: BUCKET,
      filename: ownership.filename,
      status: "success",
      submitted: expect.any(String),
      validated: expect.any(String),
    });

    const missing = await cli(["buckets", "validate", BUCKET, "--challenge", "@nowhere.txt"], {
      env,
      cwd: dir,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: read challenge file nowhere\.txt: ENOENT; /);

    const other = "s3://cli-full-pcaps/elsewhere?region=us-east-1";
    const added = JSON.parse((await cli(["buckets", "add", other, "--json"], { env })).stdout) as {
      id: string;
    };
    const list = await cli(["buckets", "list"], { env });
    expect(list.stdout).toMatch(/^Bucket ownerships \(2\)\nID +DESTINATION +STATUS/);
    const listed = JSON.parse((await cli(["buckets", "list", "--json"], { env })).stdout) as {
      ownerships: { id: string; status: string }[];
    };
    expect(listed.ownerships.map((o) => [o.id, o.status]).sort()).toEqual(
      [
        [ownership.id, "success"],
        [added.id, "pending"],
      ].sort(),
    );

    const byUri = await cli(["buckets", "delete", other], { env });
    expect(byUri).toEqual({
      code: 0,
      stdout: `deleted bucket registration ${added.id} (${other})\n`,
      stderr: "",
    });
    const again = await cli(["buckets", "delete", other, "--json"], { env });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain(`no bucket registration for ${other}`);
    const byId = await cli(["buckets", "add", other, "--json"], { env });
    const id = (JSON.parse(byId.stdout) as { id: string }).id;
    const deleted = await cli(["buckets", "delete", id, "--json"], { env });
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: { id } });
    expect(emulator.ownerships().map((o) => o.id)).toEqual([ownership.id]);
  });
});

describe("capture --type full", () => {
  const start = (extra: string[]) => [
    "capture",
    "--type",
    "full",
    "--time-limit",
    "3600",
    "--colo",
    "ord02",
    "--destination",
    BUCKET,
    "--dst",
    "203.0.113.9",
    ...extra,
  ];

  test("--stop-on-interrupt: Ctrl-C stops it; the parts are fetched and merged into one pcap (--json)", async () => {
    const { code, stdout, stderr } = await cliInterrupted(
      start(["--stop-on-interrupt", "-o", "full.pcap", "--json"]),
      { env, cwd: dir },
      RUNNING,
      withS3,
    );
    expect(stderr).toContain("stopping capture");
    expect(code).toBe(0);

    const result = JSON.parse(stdout) as {
      capture: Capture;
      file: { path: string; packets: number; parts: { name: string; packets: number }[] };
      summary: { packets: number; flows: { destination: string }[] };
    };
    expect(result.capture).toMatchObject({
      type: "full",
      status: "success",
      stopRequested: expect.any(String),
    });
    const path = join(dir, "full.pcap");
    expect(result.file.path).toBe(path);
    expect(result.file.parts.length).toBeGreaterThanOrEqual(1);
    expect(result.file.parts.reduce((sum, p) => sum + p.packets, 0)).toBe(result.file.packets);
    expect(result.summary.packets).toBe(result.file.packets);
    expect(stdout).not.toMatch(/"[a-z]+_[a-z_]+":/); // camelCase only
    expect(readdirSync(dir)).toEqual(["full.pcap"]); // no parts or temporary files left

    // tshark reads it without a warning: as many packets, time never going back, only the filter's.
    const fields = tshark(path, ["frame.time_epoch", "ip.dst"]);
    expect(fields).toHaveLength(result.file.packets);
    const times = fields.map(([time]) => Number(time));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    expect(new Set(fields.map(([, dst]) => dst))).toEqual(new Set(["203.0.113.9"]));
  });

  test("on a terminal Ctrl-C asks; yes stops it and -o saves the merged file with its summary", async () => {
    const { code, stdout, stderr } = await cliInterrupted(
      start(["-o", "asked.pcap"]),
      { env, cwd: dir, interactive: true, readLine: async () => "y" },
      RUNNING,
      withS3,
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/stop capture [0-9a-f]{32}\? \[y\/N\] /);
    expect(stdout).toMatch(
      /^asked\.pcap: \d+ bytes, \d+ packets, merged from \d+ parts?\n {2}s3:\/\/cli-full-pcaps\/edge\/pcap_/,
    );
    expect(stdout).toMatch(
      /\nTop flows by bytes \(10 of \d+\)\nPROTO +SOURCE +DESTINATION +PACKETS +BYTES\n/,
    );
    expect(existsSync(join(dir, "asked.pcap"))).toBe(true);
  });

  test("no: it keeps running and the command says how to fetch it; stop and download finish the job", async () => {
    const { code, stdout, stderr } = await cliInterrupted(
      start(["-o", "later.pcap"]),
      { env, cwd: dir, interactive: true, readLine: async () => "" },
      RUNNING,
    );
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const id = /started full capture ([0-9a-f]{32})/.exec(stderr)![1];
    expect(stderr).toContain(
      `error: stopped following full capture ${id} (it keeps running); when it is done, save it with: ` +
        `pulumi-cloudflare-pcap download ${id} --wait -o later.pcap\n`,
    );
    expect(readdirSync(dir)).toEqual([]);
    expect((await client.getCapture(emulator.accountId, id)).status).toBe("running");

    const stop = await cli(["stop", id, "--json"], { env });
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.stdout)).toMatchObject({ id, stopRequested: expect.any(String) });

    const download = await withS3(() =>
      cli(["download", id, "--wait", "-o", "later.pcap"], { env, cwd: dir }),
    );
    expect(download.code).toBe(0);
    expect(download.stdout).toMatch(/^later\.pcap: \d+ bytes, \d+ packets, merged from/);
    expect(download.stderr).toMatch(
      /\nlisting s3:\/\/cli-full-pcaps\/edge\/pcap_[0-9a-f]{32}\*\nfetching part 1 of /,
    );
    expect(tshark(join(dir, "later.pcap"), ["ip.dst"]).length).toBeGreaterThan(0);
  });
});
