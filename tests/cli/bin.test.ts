/**
 * The installed binary: `node dist/cli/main.js`, as npm's bin link runs it. Checks what only a real
 * process shows: the shebang, exit codes reaching the shell, and the emulator stopping cleanly on SIGTERM.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { PcapClient } from "../../client";
import { ensureBuilt, MAIN as main, readPcap, TOKEN } from "./helpers";

const root = join(__dirname, "..", "..");

beforeAll(ensureBuilt, 180_000);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function bin(args: string[], env: NodeJS.ProcessEnv = {}, cwd = root): Promise<Result> {
  try {
    // Only what the test gives: no CLOUDFLARE_* from the developer's shell.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [main, ...args], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number | null; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

test("the entry starts with the node shebang", () => {
  expect(readFileSync(main, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
});

test("exit codes reach the shell: 0 help, 2 usage, 1 missing credentials", async () => {
  const help = await bin(["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: pulumi-cloudflare-pcap <command>/);
  const usage = await bin(["download", "nope"]);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('capture id "nope" is not valid');
  const credentials = await bin(["list"], { CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef" });
  expect(credentials.code).toBe(1);
  expect(credentials.stderr).toContain("CLOUDFLARE_API_TOKEN");
});

describe("against an emulator", () => {
  let emulator: EmulatorHandle;
  let captureId: string;
  let dir: string;

  beforeAll(async () => {
    emulator = await startEmulator({ token: TOKEN, timeScale: 50 });
    const client = new PcapClient({ credentials: { apiToken: TOKEN }, baseUrl: emulator.url });
    const capture = await client.createCapture(emulator.accountId, {
      type: "simple",
      system: "magic-transit",
      timeLimit: 10,
      packetLimit: 30,
    });
    captureId = capture.id;
    await client.close();
    dir = mkdtempSync(join(tmpdir(), "pcap-cli-bin-"));
  });

  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_ACCOUNT_ID: emulator.accountId,
    CLOUDFLARE_BASE_URL: emulator.url,
  });

  test("download --wait, list, and an unknown id", async () => {
    const download = await bin(["download", captureId, "--wait"], env(), dir);
    expect(download.code).toBe(0);
    expect(download.stdout).toMatch(
      new RegExp(`^pcap_${captureId}\\.pcap: \\d+ bytes, 30 packets\\n30 packets, `),
    );
    expect(readPcap(join(dir, `pcap_${captureId}.pcap`))).toEqual({ magic: 0xa1b2c3d4, packets: 30 });

    const list = await bin(["list"], env());
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${captureId}  simple  success`);

    const unknown = await bin(["download", "feedfacefeedfacefeedfacefeedface"], env(), dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("(code 1300, HTTP 404)");

    for (const result of [download, list, unknown])
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  test("a real Ctrl-C (SIGINT) while following: exit 1, no file, the command to resume", async () => {
    const argv = [
      "capture",
      "--type",
      "simple",
      "--time-limit",
      "300",
      "--packet-limit",
      "5",
      "-o",
      "x.pcap",
    ];
    const child = spawn(process.execPath, [main, ...argv], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const following = new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(": pending, ")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await following;
    child.kill("SIGINT");
    expect(await exited).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      /when it is done, save it with: pulumi-cloudflare-pcap download [0-9a-f]{32} --wait -o x\.pcap\n$/,
    );
    expect(existsSync(join(dir, "x.pcap"))).toBe(false);
  });
});

test("emulator: the three lines, then a clean exit 0 on SIGTERM", async () => {
  const child = spawn(process.execPath, [main, "emulator", "--port", "0", "--time-scale", "60"], {
    env: { PATH: process.env.PATH },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("exit", (code, signal) => resolve([code, signal])),
  );
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line);
    if (lines.length === 3) break;
  }
  expect(lines[0]).toMatch(/^PCAP API emulator listening on http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
  expect(lines[1]).toMatch(/^token: \S+$/);
  expect(lines[2]).toMatch(/^account: [0-9a-f]{32}$/);
  const url = lines[0].replace("PCAP API emulator listening on ", "");
  const answer = await fetch(`${url}/accounts/${lines[2].slice(9)}/pcaps/ownership`, {
    headers: { authorization: `Bearer ${lines[1].slice(7)}` },
  });
  expect(answer.status).toBe(200);
  child.kill("SIGTERM");
  expect(await exited).toEqual([0, null]);
  expect(stderr).toBe("");
});
