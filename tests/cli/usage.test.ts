/**
 * The command line: --help on every command (exit 0) naming every flag, usage errors (exit 2) before
 * any request (an emulator counts them), the emulator subcommand.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMANDS, flagsByTopic, parseCommandLine } from "../../cli/args";
import { run } from "../../cli/run";
import { helpTexts } from "../../cli/usage";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { cli, envFor, TOKEN } from "./helpers";

const ID = "0123456789abcdef0123456789abcdef";
let emulator: EmulatorHandle;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emulator = await startEmulator({ token: TOKEN });
  env = envFor(emulator);
});

afterAll(() => emulator.close());

describe("--help", () => {
  test.each([
    [["--help"], "Usage: pulumi-cloudflare-pcap <command> [options]"],
    [["-h"], "Usage: pulumi-cloudflare-pcap <command> [options]"],
    [["help"], "Usage: pulumi-cloudflare-pcap <command> [options]"],
    [["download", "--help"], "Usage: pulumi-cloudflare-pcap download <captureId>"],
    [["download", ID, "-h"], "Usage: pulumi-cloudflare-pcap download <captureId>"],
    // Help wins over mistakes on the same line: whoever asks is trying to fix them.
    [["download", "not-an-id", "--bogus", "--help"], "Usage: pulumi-cloudflare-pcap download <captureId>"],
    [["--help", "download"], "Usage: pulumi-cloudflare-pcap download <captureId>"],
    [["help", "download"], "Usage: pulumi-cloudflare-pcap download <captureId>"],
    [["list", "--help"], "Usage: pulumi-cloudflare-pcap list [--json]"],
    [["list", "-h"], "Usage: pulumi-cloudflare-pcap list [--json]"],
    [["emulator", "--help"], "Usage: pulumi-cloudflare-pcap emulator [flags]"],
    [["emulator", "-h"], "Usage: pulumi-cloudflare-pcap emulator [flags]"],
    [["--help", "emulator"], "Usage: pulumi-cloudflare-pcap emulator [flags]"],
    [["capture", "--type", "nonsense", "--help"], "Usage: pulumi-cloudflare-pcap capture --type simple|full"],
    [["help", "capture"], "Usage: pulumi-cloudflare-pcap capture --type simple|full"],
    [["get", "-h"], "Usage: pulumi-cloudflare-pcap get <captureId>"],
    [["help", "stop"], "Usage: pulumi-cloudflare-pcap stop <captureId>"],
    [["buckets", "--help"], "Usage: pulumi-cloudflare-pcap buckets list|add|validate|delete"],
    [["buckets", "validate", "--help"], "Usage: pulumi-cloudflare-pcap buckets list|add|validate|delete"],
    [["help", "buckets"], "Usage: pulumi-cloudflare-pcap buckets list|add|validate|delete"],
    [["merge", "--help"], "Usage: pulumi-cloudflare-pcap merge <files…> -o <file>"],
    [["help", "summary"], "Usage: pulumi-cloudflare-pcap summary <file>"],
  ])("%j → exit 0 with usage on stdout", async (argv, first) => {
    const { code, stdout, stderr } = await cli(argv, { env: {} });
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toContain(first);
    expect(stderr).toBe("");
  });

  test("every command is in the main help, and every flag a command takes is in its help", () => {
    const help = helpTexts("pcap");
    for (const command of ["capture", "get", "stop", "download", "list", "buckets list", "buckets add"]) {
      expect(help.main).toContain(`  ${command}`);
    }
    for (const command of ["buckets validate", "buckets delete", "merge", "summary", "emulator", "help"]) {
      expect(help.main).toContain(`  ${command}`);
    }
    for (const [topic, flags] of flagsByTopic()) {
      for (const flag of flags)
        expect([topic, help[topic].includes(`${flag} `) || help[topic].includes(`${flag},`)]).toEqual([
          topic,
          true,
        ]);
    }
  });

  test("README's section on the command names every command and every flag", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    const start = readme.indexOf("## The command\n");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    expect(start).toBeGreaterThan(-1);
    const named = (flag: string) => new RegExp(`(^|[^\\w-])${flag}(?![\\w-])`).test(section);
    const missing = [
      ...COMMANDS.filter((command) => !section.includes(`pulumi-cloudflare-pcap ${command}`)),
      ...[...flagsByTopic()].flatMap(([topic, flags]) =>
        [...flags].filter((flag) => !named(flag)).map((flag) => `${topic} ${flag}`),
      ),
    ];
    expect(missing).toEqual([]);
  });

  test("the emulator's help lists its flags", async () => {
    const { stdout } = await cli(["emulator", "--help"], { env: {} });
    for (const flag of ["--port", "--token", "--account", "--time-scale", "--simple-capture-interval"]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).not.toContain("pcap-emulator [flags]");
  });

  test("--version prints the package's version", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { version } = require("../../package.json") as { version: string };
    expect(await cli(["--version"], { env: {} })).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });
});

describe("usage errors → exit 2, the problem and the usage line on stderr, no request sent", () => {
  const old = new Date(Date.now() - 25 * 3600 * 1000).toISOString();
  const simple = ["capture", "--type", "simple", "--time-limit", "10", "--packet-limit", "100"];
  const full = [
    "capture",
    "--type",
    "full",
    "--time-limit",
    "60",
    "--colo",
    "ord02",
    "--destination",
    "s3://b-1/d",
  ];
  test.each([
    [[], "missing command", "<command>"],
    [["frobnicate"], 'unknown command "frobnicate"', "<command>"],
    [["--bogus"], 'unknown option "--bogus"', "<command>"],
    [["list", "--bogus"], 'unknown option "--bogus"', "list"],
    [["list", "extra"], 'unexpected argument "extra"', "list"],
    [["list", "--account", "acme"], '--account "acme" is not valid', "list"],
    [["list", "--account"], "--account", "list"],
    [["download"], "missing <captureId>", "download"],
    [["download", "xyz"], 'capture id "xyz" is not valid', "download"],
    [["download", ID.toUpperCase()], "32 lowercase hexadecimal", "download"],
    [["download", ID, "extra"], 'unexpected argument "extra"', "download"],
    [["download", ID, "-o"], "-o", "download"],
    [["download", ID, "-o", ""], "--output needs a file name", "download"],
    [["download", ID, "--timeout", "5"], "--timeout only applies with --wait", "download"],
    [
      ["download", ID, "--wait", "--timeout", "soon"],
      '--timeout must be a number of seconds > 0 (got "soon")',
      "download",
    ],
    [["download", ID, "--wait", "--timeout", "0"], "--timeout must be", "download"],
    [
      ["download", ID, "--top", "many"],
      '--top must be an integer from 0 to 1000 flows (got "many")',
      "download",
    ],
    [["--account", ID, "emulator"], "put the emulator's flags after `emulator`", "<command>"],
    [["help", "frobnicate"], 'unknown command "frobnicate"', "<command>"],
    // capture: every flag names itself and what it allows
    [["capture"], "missing --type (simple or full)", "capture"],
    [["capture", "--type", "sample"], '--type must be simple or full (got "sample")', "capture"],
    [
      ["capture", "--type", "simple"],
      "missing --time-limit: from 1 to 300 seconds for simple captures",
      "capture",
    ],
    [
      ["capture", "--type", "simple", "--time-limit", "301", "--packet-limit", "1"],
      '--time-limit must be an integer from 1 to 300 seconds for simple captures (got "301")',
      "capture",
    ],
    [
      ["capture", "--type", "full", "--time-limit", "86401", "--colo", "ord02", "--destination", "s3://b-1"],
      '--time-limit must be an integer from 1 to 86400 seconds for full captures (got "86401")',
      "capture",
    ],
    [
      ["capture", "--type", "simple", "--time-limit", "10"],
      "a simple capture needs --packet-limit (1 to 10000 packets)",
      "capture",
    ],
    [
      ["capture", "--type", "simple", "--time-limit", "10", "--packet-limit", "10001"],
      '--packet-limit must be an integer from 1 to 10000 packets (got "10001")',
      "capture",
    ],
    [
      ["capture", "--type", "simple", "--time-limit", "10", "--packet-limit", "1e3"],
      '--packet-limit must be an integer from 1 to 10000 packets (got "1e3")',
      "capture",
    ],
    [[...simple, "--byte-limit", "100"], "--byte-limit only applies to --type full", "capture"],
    [[...simple, "--colo", "ord02"], "--colo only applies to --type full", "capture"],
    [[...simple, "--destination", "s3://b-1"], "--destination only applies to --type full", "capture"],
    [[...simple, "--stop-on-interrupt"], "--stop-on-interrupt only applies to --type full", "capture"],
    [
      ["capture", "--type", "full", "--time-limit", "60", "--destination", "s3://b-1"],
      "a full capture needs --colo (the data centre to capture in, e.g. ord02) and --destination",
      "capture",
    ],
    [
      ["capture", "--type", "full", "--time-limit", "60", "--colo", "ord02"],
      "missing --destination",
      "capture",
    ],
    [
      ["capture", "--type", "full", "--time-limit", "60", "--colo", "ord 02", "--destination", "s3://b-1"],
      '--colo must be a data centre name such as ord02 (letters, digits, "_" and "-") (got "ord 02")',
      "capture",
    ],
    [
      ["capture", "--type", "full", "--time-limit", "60", "--colo", "ord02", "--destination", "ftp://b-1"],
      '--destination: scheme "ftp://" is not supported (allowed: s3://, gs://, r2://)',
      "capture",
    ],
    [
      [...full, "--byte-limit", "0"],
      '--byte-limit must be an integer from 1 to 1000000000 bytes (got "0")',
      "capture",
    ],
    [[...full, "--offset-time", old], "--offset-time only applies to --type simple", "capture"],
    [[...simple, "--offset-time", "yesterday"], "--offset-time must be an RFC 3339 time", "capture"],
    [[...simple, "--offset-time", old], "--offset-time must be within the last 24 hours", "capture"],
    [
      [...simple, "--src", "300.1.1.1"],
      '--src must be an IPv4 address such as 203.0.113.7 (got "300.1.1.1")',
      "capture",
    ],
    [[...simple, "--dst", "2001:db8::1"], "--dst must be an IPv4 address", "capture"],
    [
      [...simple, "--src-port", "65536"],
      '--src-port must be an integer from 0 to 65535 (got "65536")',
      "capture",
    ],
    [[...simple, "--dst-port=-1"], '--dst-port must be an integer from 0 to 65535 (got "-1")', "capture"],
    [
      [...simple, "--protocol", "sctp"],
      '--protocol must be tcp, udp, icmp or an IP protocol number from 0 to 255 (got "sctp")',
      "capture",
    ],
    [
      [...simple, "--protocol", "256"],
      "--protocol must be tcp, udp, icmp or an IP protocol number",
      "capture",
    ],
    [
      [...simple, "--protocol", "icmp", "--dst-port", "80"],
      "--dst-port needs --protocol tcp or udp (or none)",
      "capture",
    ],
    [
      [...simple, "--detach", "-o", "x.pcap"],
      "-o/--output needs the capture followed until it is done",
      "capture",
    ],
    [
      [...full, "--no-follow", "--stop-on-interrupt"],
      "--stop-on-interrupt applies while following",
      "capture",
    ],
    [[...simple, "--top", "-1"], "--top", "capture"],
    [[...simple, "extra"], 'unexpected argument "extra"', "capture"],
    // the other commands
    [["get"], "missing <captureId>", "get"],
    [["get", "nope"], 'capture id "nope" is not valid', "get"],
    [["stop", "nope"], 'capture id "nope" is not valid', "stop"],
    [["buckets"], "missing buckets command (list, add, validate, delete)", "buckets"],
    [["buckets", "frob"], 'unknown buckets command "frob"', "buckets"],
    [["buckets", "add"], "missing <destination>", "buckets"],
    [["buckets", "add", "ftp://b-1"], '<destination>: scheme "ftp://" is not supported', "buckets"],
    [["buckets", "add", "s3://B"], '<destination>: bucket name "B" is not valid', "buckets"],
    [["buckets", "validate", "s3://b-1"], "missing --challenge", "buckets"],
    [
      ["buckets", "validate", "s3://b-1", "--challenge", "@"],
      "--challenge needs the token, or @<file>",
      "buckets",
    ],
    [["buckets", "delete", "nope"], '"nope" is neither an ownership id', "buckets"],
    [["buckets", "list", "--challenge", "x"], 'unknown option "--challenge"', "buckets"],
    [["merge", "a.pcap"], "missing -o <file>", "merge"],
    [["merge", "-o", "out.pcap"], "missing <files…>", "merge"],
    [["merge", "a.pcap", "-o", "out.pcap", "--account", ID], 'unknown option "--account"', "merge"],
    [["summary"], "missing <file>", "summary"],
    [["summary", "a.pcap", "b.pcap"], 'unexpected argument "b.pcap"', "summary"],
  ])("%j", async (argv, problem, usage) => {
    const { code, stdout, stderr } = await cli(argv, { env });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const [first, second, third] = stderr.split("\n");
    expect(first).toMatch(/^error: /);
    expect(first).toContain(problem);
    expect(second).toMatch(new RegExp(`^Usage: pulumi-cloudflare-pcap ${usage.replace(/[<>]/g, "\\$&")}`));
    expect(third).toMatch(/^Run `pulumi-cloudflare-pcap (\w+ )?--help` for details\.$/);
    // Reported before any API call: the emulator saw nothing.
    expect(Object.values(emulator.requestCounts()).reduce((a, b) => a + b, 0)).toBe(0);
  });

  test("the emulator's own flag errors exit 2 under our name", async () => {
    const { code, stderr } = await cli(["emulator", "--port", "many"], { env });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^pulumi-cloudflare-pcap emulator: --port must be an integer/);
  });
});

describe("parseCommandLine", () => {
  test("global options go before or after the command", () => {
    const account = "fedcba9876543210fedcba9876543210";
    expect(parseCommandLine(["--account", account, "list", "--json"])).toEqual({
      kind: "list",
      json: true,
      account,
    });
    expect(parseCommandLine(["list", `--account=${account}`])).toEqual({
      kind: "list",
      json: false,
      account,
    });
    expect(
      parseCommandLine(["download", "-o", "x.pcap", ID, "--wait", "--timeout", "90", "--top", "3"]),
    ).toEqual({
      kind: "download",
      json: false,
      captureId: ID,
      output: "x.pcap",
      wait: true,
      timeoutSeconds: 90,
      top: 3,
    });
    expect(parseCommandLine(["--json", "download", ID])).toEqual({
      kind: "download",
      json: true,
      captureId: ID,
      wait: false,
      timeoutSeconds: 600,
      top: 10,
    });
  });

  test("the emulator's flags pass through untouched, its --account included", () => {
    const argv = ["--port", "0", "--account", ID, "--time-scale", "60", "--log"];
    expect(parseCommandLine(["emulator", ...argv])).toEqual({ kind: "emulator", argv });
  });
});

describe("emulator", () => {
  test("prints the same three lines as `npm run emulator`, serves, and stops cleanly", async () => {
    // Not through cli(): printing its token is the emulator's job, so this uses a token of its own.
    const token = "emulator-subcommand-token";
    let stop: () => void = () => undefined;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    let stdout = "";
    let stderr = "";
    const running = run(["emulator", "--port", "0", "--token", token, "--account", ID], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
      untilShutdown: () => shutdown,
    });
    while (!stdout.includes("account:")) await new Promise((r) => setTimeout(r, 10));
    const [listening, tokenLine, account] = stdout.trimEnd().split("\n");
    expect(listening).toMatch(/^PCAP API emulator listening on http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
    expect(tokenLine).toBe(`token: ${token}`);
    expect(account).toBe(`account: ${ID}`);
    const url = listening.replace("PCAP API emulator listening on ", "");
    const answer = await fetch(`${url}/accounts/${ID}/pcaps`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(200);
    stop();
    expect(await running).toBe(0);
    expect(stdout.trimEnd().split("\n")).toHaveLength(3);
    expect(stderr).toBe("");
  });
});
