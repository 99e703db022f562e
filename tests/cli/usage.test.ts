/** The command line: --help on every command (exit 0), usage errors (exit 2), the emulator subcommand. */
import { parseCommandLine } from "../../cli/args";
import { run } from "../../cli/run";
import { cli, TOKEN } from "./helpers";

const ID = "0123456789abcdef0123456789abcdef";
const env = { CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: ID };

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
  ])("%j → exit 0 with usage on stdout", async (argv, first) => {
    const { code, stdout, stderr } = await cli(argv, { env: {} });
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toContain(first);
    expect(stderr).toBe("");
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

describe("usage errors → exit 2, the problem and the usage line on stderr", () => {
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
    [["--account", ID, "emulator"], "put the emulator's flags after `emulator`", "<command>"],
    [["help", "frobnicate"], 'unknown command "frobnicate"', "<command>"],
  ])("%j", async (argv, problem, usage) => {
    const { code, stdout, stderr } = await cli(argv, { env });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const [first, second, third] = stderr.split("\n");
    expect(first).toMatch(/^error: /);
    expect(first).toContain(problem);
    expect(second).toMatch(new RegExp(`^Usage: pulumi-cloudflare-pcap ${usage.replace(/[<>]/g, "\\$&")}`));
    expect(third).toMatch(/^Run `pulumi-cloudflare-pcap (\w+ )?--help` for details\.$/);
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
