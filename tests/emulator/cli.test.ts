import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseCliArgs, USAGE } from "../../emulator/args";
import { runCli } from "../../emulator/run";

describe("parseCliArgs", () => {
  test("no flags → defaults", () => {
    expect(parseCliArgs([])).toEqual({ kind: "run", options: {}, log: false });
  });

  test("every flag maps to its option", () => {
    const account = "0123456789abcdef0123456789abcdef";
    const parsed = parseCliArgs([
      "--port",
      "8787",
      "--host",
      "0.0.0.0",
      "--data-dir",
      "/tmp/x",
      "--persist",
      "--token",
      "tok_EN-1",
      "--account",
      account,
      "--time-scale",
      "60",
      "--rate-limit",
      "100/10",
      "--simple-capture-interval",
      "5",
      "--validation-delay",
      "30",
      "--fault-rate",
      "0.1",
      "--reset-rate",
      "0.05",
      "--drop-rate",
      "0.02",
      "--latency",
      "25",
      "--fault-seed",
      "s1",
      "--accept-filename-challenge",
      "--download-packets",
      "5000",
      "--download-bytes",
      "1073741824",
      "--finished-simple-status",
      "complete",
      "--no-unknown-fields",
      "--log",
    ]);
    expect(parsed).toEqual({
      kind: "run",
      log: true,
      options: {
        port: 8787,
        host: "0.0.0.0",
        dataDir: "/tmp/x",
        persist: true,
        token: "tok_EN-1",
        accountId: account,
        timeScale: 60,
        rateLimit: { requests: 100, seconds: 10 },
        simpleCaptureIntervalSeconds: 5,
        validationDelaySeconds: 30,
        faults: { errorRate: 0.1, resetRate: 0.05, dropAfterApplyRate: 0.02, latencyMs: 25, seed: "s1" },
        acceptFilenameChallenge: true,
        downloadPacketCount: 5000,
        downloadBytes: 1073741824,
        finishedSimpleStatus: "complete",
        unknownFields: false,
      },
    });
  });

  test("--help and -h", () => {
    expect(parseCliArgs(["--help"])).toEqual({ kind: "help" });
    expect(parseCliArgs(["-h"])).toEqual({ kind: "help" });
  });

  test.each([
    [["--port", "abc"], /--port must be an integer from 0 to 65535/],
    [["--port", "70000"], /--port/],
    [["--time-scale", "0"], /--time-scale must be a number > 0/],
    [["--rate-limit", "fast"], /--rate-limit must be <requests>\/<seconds>/],
    [["--fault-rate", "1.5"], /--fault-rate must be a number from 0 to 1/],
    [["--reset-rate", "-0.1"], /--reset-rate/],
    [["--latency", "-5"], /--latency/],
    [["--account", "XYZ"], /--account must be 32 lowercase hex/],
    [["--token", "has space"], /--token/],
    [["--simple-capture-interval", "soon"], /--simple-capture-interval/],
    [["--validation-delay", ""], /--validation-delay/],
    [["--download-bytes", "10"], /--download-bytes must be an integer ≥ 24/],
    [["--finished-simple-status", "done"], /--finished-simple-status must be success or complete/],
    [["--bogus"], /--bogus.*allowed: --port, --host/],
    [["--persist"], /--persist needs --data-dir/],
    [["--port"], /--port/],
    [["positional"], /positional/],
  ])("%j is an error naming the flag", (argv, message) => {
    const parsed = parseCliArgs(argv);
    expect(parsed.kind).toBe("error");
    if (parsed.kind === "error") expect(parsed.message).toMatch(message);
  });
});

function capture() {
  let text = "";
  return { write: (chunk: string) => (text += chunk), text: () => text };
}

describe("runCli (in-process)", () => {
  test("prints the three lines, serves, and stops cleanly on shutdown", async () => {
    const stdout = capture();
    const stderr = capture();
    let stop: () => void = () => undefined;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    const running = runCli(["--port", "0", "--rate-limit", "10/1", "--log"], {
      stdout,
      stderr,
      untilShutdown: () => shutdown,
    });
    while (!stdout.text().includes("account:")) await new Promise((r) => setTimeout(r, 10));
    const lines = stdout.text().trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    const [, url] =
      /^PCAP API emulator listening on (http:\/\/127\.0\.0\.1:\d+\/client\/v4)$/.exec(lines[0]) ?? [];
    const [, token] = /^token: (\S{40})$/.exec(lines[1]) ?? [];
    const [, account] = /^account: ([0-9a-f]{32})$/.exec(lines[2]) ?? [];
    expect(url).toBeDefined();
    const res = await fetch(`${url}/accounts/${account}/pcaps`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(stderr.text()).toMatch(/^GET \/client\/v4\/accounts\/[0-9a-f]{32}\/pcaps 200 \d+ms\n$/);
    expect(stderr.text()).not.toContain(token);
    stop();
    expect(await running).toBe(0);
  });

  test("bad flags: message on stderr, exit 2", async () => {
    const stdout = capture();
    const stderr = capture();
    expect(await runCli(["--fault-rate", "2"], { stdout, stderr })).toBe(2);
    expect(stderr.text()).toMatch(/--fault-rate must be a number from 0 to 1/);
    expect(stdout.text()).toBe("");
  });

  test("--help prints usage, exit 0", async () => {
    const stdout = capture();
    expect(await runCli(["--help"], { stdout, stderr: capture() })).toBe(0);
    expect(stdout.text()).toBe(USAGE);
    for (const flag of [
      "--port",
      "--host",
      "--data-dir",
      "--persist",
      "--token",
      "--account",
      "--time-scale",
      "--rate-limit",
      "--simple-capture-interval",
      "--validation-delay",
      "--fault-rate",
      "--latency",
      "--accept-filename-challenge",
    ]) {
      expect(USAGE).toContain(flag);
    }
  });

  test("a port in use: exit 1 with a message", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const stderr = capture();
    expect(await runCli(["--port", String(port)], { stdout: capture(), stderr })).toBe(1);
    expect(stderr.text()).toMatch(/cannot start/);
    await new Promise((r) => blocker.close(r));
  });
});

// The compiled command, as `npm run emulator` runs it. CI builds dist/ before jest (`npm test`); a
// checkout without a build skips this one test rather than compiling here.
const compiled = join(__dirname, "..", "..", "dist", "emulator", "cli.js");
(existsSync(compiled) ? describe : describe.skip)("dist/emulator/cli.js", () => {
  test("prints its three lines and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [compiled, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    const reader = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      reader.on("line", (line) => {
        lines.push(line);
        if (lines.length === 3) resolve();
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    expect(lines[0]).toMatch(/^PCAP API emulator listening on http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
    expect(lines[1]).toMatch(/^token: \S+$/);
    expect(lines[2]).toMatch(/^account: [0-9a-f]{32}$/);
    const exited = new Promise<number | string | null>((resolve) =>
      child.once("exit", (code, signal) => resolve(code ?? signal)),
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  test("bad flag → exit 2", async () => {
    const child = spawn(process.execPath, [compiled, "--nope"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--nope/);
  });
});
