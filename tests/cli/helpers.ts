/**
 * Shared plumbing of the CLI tests: run the CLI in-process with string collectors, set up an emulator
 * with one capture of every kind, and read pcap files back.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { PcapClient, type Capture } from "../../client";
import { run, type CliIo } from "../../cli/run";

/** Distinctive, so a leak anywhere in the output is unmistakable. */
export const TOKEN = "CliSecretToken-7f3a9c1e5b-do-not-print";

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI, collecting what it prints (also passed on to `io.stdout`/`io.stderr` when given, for
 * tests that watch output as it comes); fails the test if the token shows up in any of it.
 */
export async function cli(argv: string[], io: Partial<CliIo> & { env: NodeJS.ProcessEnv }): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    ...io,
    stdout: {
      write: (text: string) => {
        stdout += text;
        io.stdout?.write(text);
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
        io.stderr?.write(text);
      },
    },
  });
  expect(stdout).not.toContain(TOKEN);
  expect(stderr).not.toContain(TOKEN);
  return { code, stdout, stderr };
}

/** The environment a user of the emulator would export. */
export function envFor(emulator: EmulatorHandle): NodeJS.ProcessEnv {
  return {
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_ACCOUNT_ID: emulator.accountId,
    CLOUDFLARE_BASE_URL: emulator.url,
  };
}

export const BUCKET = "s3://cli-test-pcaps/edge?region=us-east-1";

export interface Fixture {
  emulator: EmulatorHandle;
  client: PcapClient;
  /** A simple capture in status success. */
  finished: Capture;
  /** A simple capture whose filter can never match: status failed. */
  failed: Capture;
  /** A full capture into {@link BUCKET} (validated). */
  full: Capture;
}

/**
 * An emulator on the real clock (time scale 1) that the tests move with `advance()`, so "pending" stays
 * pending until a test says otherwise.
 */
export async function startFixture(): Promise<Fixture> {
  const emulator = await startEmulator({ token: TOKEN, simpleCaptureIntervalSeconds: 0 });
  const client = new PcapClient({ credentials: { apiToken: TOKEN }, baseUrl: emulator.url });
  const account = emulator.accountId;
  const finished = await client.createCapture(account, {
    type: "simple",
    system: "magic-transit",
    timeLimit: 5,
    packetLimit: 40,
    filter: { protocol: 6, destinationAddress: "203.0.113.7", destinationPort: 443 },
  });
  const failed = await client.createCapture(account, {
    type: "simple",
    system: "magic-transit",
    timeLimit: 5,
    packetLimit: 10,
    filter: { protocol: 1, destinationPort: 80 }, // ICMP has no ports: nothing can match
  });
  await client.addOwnership(account, BUCKET);
  await client.validateOwnership(account, BUCKET, emulator.readChallenge(BUCKET));
  const full = await client.createCapture(account, {
    type: "full",
    system: "magic-transit",
    timeLimit: 60,
    coloName: "ord02",
    destinationConf: BUCKET,
    packetLimit: 100,
  });
  await emulator.advance(10);
  const byId = async (c: Capture) => client.getCapture(account, c.id);
  return {
    emulator,
    client,
    finished: await byId(finished),
    failed: await byId(failed),
    full: await byId(full),
  };
}

/** A new simple capture that stays pending until the emulator's clock moves on. */
export function pendingCapture(fixture: Fixture): Promise<Capture> {
  return fixture.client.createCapture(fixture.emulator.accountId, {
    type: "simple",
    system: "magic-transit",
    timeLimit: 300,
    packetLimit: 25,
  });
}

/** Reads a classic pcap file: its magic (either byte order) and the number of packet records. */
export function readPcap(path: string): { magic: number; packets: number } {
  const data = readFileSync(path);
  const le = data.readUInt32LE(0) === 0xa1b2c3d4;
  const magic = le ? data.readUInt32LE(0) : data.readUInt32BE(0);
  let packets = 0;
  for (let at = 24; at + 16 <= data.length; packets++) {
    const captured = le ? data.readUInt32LE(at + 8) : data.readUInt32BE(at + 8);
    at += 16 + captured;
  }
  return { magic, packets };
}

/** Ctrl-C for the in-process CLI: `onInterrupt` goes into its io, `fire()` is the keypress. */
export function interrupter(): { onInterrupt: CliIo["onInterrupt"]; fire(): void } {
  const handlers = new Set<() => void>();
  return {
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    fire: () => {
      expect(handlers.size).toBeGreaterThan(0); // a Ctrl-C nobody listens to would kill a real process
      for (const handler of [...handlers]) handler();
    },
  };
}

/** Waits (up to 10 s) until `condition` holds; fails the test if it never does. */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

/** tshark's fields, one array per packet; fails the test on anything tshark prints on stderr (warnings). */
export function tshark(path: string, fields: string[], filter?: string): string[][] {
  const args = [
    "-r",
    path,
    ...(filter ? ["-Y", filter] : []),
    "-T",
    "fields",
    ...fields.flatMap((f) => ["-e", f]),
  ];
  const result = spawnSync("tshark", args, { encoding: "utf8" });
  // tshark says this whenever it runs as root (CI does); it says nothing about the file.
  expect(result.stderr.replace(/^Running as user "root".*\n?/gm, "")).toBe("");
  expect(result.status).toBe(0);
  return result.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"));
}

/**
 * Runs the CLI and presses Ctrl-C once its stderr matches `when` (e.g. the progress line says
 * "running"). `around` wraps the run (e.g. withProcessEnv).
 */
export async function cliInterrupted(
  argv: string[],
  io: Partial<CliIo> & { env: NodeJS.ProcessEnv },
  when: RegExp,
  around: (run: () => Promise<Outcome>) => Promise<Outcome> = (run) => run(),
): Promise<Outcome> {
  const ctrlC = interrupter();
  let seen = "";
  const running = around(() =>
    cli(argv, { ...io, onInterrupt: ctrlC.onInterrupt, stderr: { write: (t: string) => (seen += t) } }),
  );
  await until(() => when.test(seen));
  ctrlC.fire();
  return running;
}

const ROOT = join(__dirname, "..", "..");
/** The installed binary's entry, as npm's bin link runs it. */
export const MAIN = join(ROOT, "dist", "cli", "main.js");

/** `npm test` builds first; a direct `jest tests/cli` may find no build, or one older than the CLI. */
export function ensureBuilt(): void {
  const sources = readdirSync(join(ROOT, "cli"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => statSync(join(ROOT, "cli", f)).mtimeMs);
  if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < Math.max(...sources)) {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: ROOT,
      stdio: "inherit",
    });
  }
}
