/** `list` and `download` against a real emulator, in-process: output, files and exit codes. */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BUCKET,
  cli,
  envFor,
  pendingCapture,
  readPcap,
  startFixture,
  TOKEN,
  until,
  type Fixture,
} from "./helpers";

let fx: Fixture;
let dir: string;

beforeAll(async () => {
  fx = await startFixture();
});

afterAll(async () => {
  await fx.client.close();
  await fx.emulator.close();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pcap-cli-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("list", () => {
  test("prints captures and bucket ownerships as tables", async () => {
    const { code, stdout, stderr } = await cli(["list"], { env: envFor(fx.emulator) });
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(
      /^Packet captures \(3\)\nID +TYPE +STATUS +SUBMITTED \(UTC\) +TIME LIMIT +PACKETS +FILTER +DESTINATION\n/,
    );
    const row = (id: string) => stdout.split("\n").find((line) => line.startsWith(id)) ?? "";
    expect(row(fx.finished.id)).toMatch(
      / simple +success +\d{4}-\d\d-\d\d \d\d:\d\d +5 s +- +tcp \* -> 203\.0\.113\.7:443 +download$/,
    );
    expect(row(fx.failed.id)).toMatch(/ simple +failed .* icmp \* -> \*:80 +download$/);
    expect(row(fx.full.id)).toMatch(
      / full +running .* 60 s +\d+ +any +s3:\/\/cli-test-pcaps\/edge\?region=us-east-1 \(ord02\)$/,
    );
    expect(stdout).toContain("\nBucket ownerships (1)\nID ");
    const [ownership] = fx.emulator.ownerships();
    expect(row(ownership.id)).toMatch(
      / s3:\/\/cli-test-pcaps\/edge\?region=us-east-1 +success +\d{4}-.* \d{4}-\d\d-\d\d \d\d:\d\d$/,
    );
  });

  test("fits a narrow terminal: optional columns go, long text is cut, ids stay whole", async () => {
    const { code, stdout } = await cli(["list"], { env: envFor(fx.emulator), columns: 80 });
    expect(code).toBe(0);
    for (const line of stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(stdout).not.toContain("SUBMITTED");
    for (const c of [fx.finished, fx.failed, fx.full]) expect(stdout).toContain(c.id);
    expect(stdout).toContain("…");
  });

  test("--json prints the domain objects for scripts", async () => {
    const { code, stdout } = await cli(["list", "--json"], { env: envFor(fx.emulator) });
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as {
      captures: Record<string, unknown>[];
      ownerships: Record<string, unknown>[];
    };
    expect(parsed.captures.map((c) => c.id).sort()).toEqual(
      [fx.finished.id, fx.failed.id, fx.full.id].sort(),
    );
    expect(parsed.captures.find((c) => c.id === fx.full.id)).toMatchObject({
      type: "full",
      destinationConf: BUCKET,
      coloName: "ord02",
      timeLimit: 60,
    });
    expect(parsed.ownerships).toEqual([
      expect.objectContaining({ destinationConf: BUCKET, status: "success" }),
    ]);
    expect(stdout).not.toMatch(/_conf|time_limit|packet_limit/);
  });

  test("an empty account says so", async () => {
    const other = "0123456789abcdef0123456789abcdef";
    fx.emulator.grant({ token: TOKEN, accounts: [other] });
    const { code, stdout } = await cli(["--account", other, "list"], { env: envFor(fx.emulator) });
    expect(code).toBe(0);
    expect(stdout).toBe("Packet captures: none\n\nBucket ownerships: none\n");
  });
});

describe("download", () => {
  test("a finished simple capture: the file, its packet count, the summary on stdout", async () => {
    const { code, stdout, stderr } = await cli(["download", fx.finished.id], {
      env: envFor(fx.emulator),
      cwd: dir,
    });
    expect(code).toBe(0);
    const name = `pcap_${fx.finished.id}.pcap`;
    const pcap = readPcap(join(dir, name));
    expect(pcap.magic).toBe(0xa1b2c3d4);
    expect(pcap.packets).toBe(40);
    const [first, totals] = stdout.split("\n");
    expect(first).toMatch(new RegExp(`^${name}: \\d+ bytes, 40 packets$`));
    expect(totals).toMatch(/^40 packets, \d+ bytes on the wire .*; link type EN10MB; file \d+ bytes$/);
    // Every flow is the filter's: TCP to 203.0.113.7:443.
    const flows = stdout.slice(stdout.indexOf("PROTO")).trimEnd().split("\n").slice(1);
    expect(flows.length).toBeGreaterThan(0);
    for (const flow of flows) expect(flow).toMatch(/^TCP +\S+ +203\.0\.113\.7:443 +\d+ +\d+$/);
    // Not a terminal: plain lines only.
    expect(stderr).toBe(`downloading capture ${fx.finished.id}\n`);
    expect(readdirSync(dir)).toEqual([name]); // no temp file left behind
  });

  test("--json: {file, summary}, camelCase, nothing else on stdout", async () => {
    const { code, stdout } = await cli(["download", fx.finished.id, "--json", "--top", "1"], {
      env: envFor(fx.emulator),
      cwd: dir,
    });
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { file: unknown; summary: { flows: unknown[] } };
    expect(result).toEqual({
      file: {
        path: join(dir, `pcap_${fx.finished.id}.pcap`),
        type: "simple",
        bytes: expect.any(Number),
        packets: 40,
        parts: [],
      },
      summary: expect.objectContaining({
        packets: 40,
        firstPacketTime: expect.any(String),
        flowCount: expect.any(Number),
      }),
    });
    expect(result.summary.flows).toHaveLength(1);
  });

  test("-o writes where asked, creating directories", async () => {
    const out = join(dir, "nested", "sample.pcap");
    const { code, stdout } = await cli(["download", fx.finished.id, "-o", out], { env: envFor(fx.emulator) });
    expect(code).toBe(0);
    expect(readPcap(out).packets).toBe(40);
    expect(stdout).toMatch(new RegExp(`^${out}: \\d+ bytes, 40 packets\\n40 packets, `));
  });

  test("not finished and no --wait: exit 1 suggesting --wait, nothing written", async () => {
    const pending = await pendingCapture(fx);
    const { code, stdout, stderr } = await cli(["download", pending.id], {
      env: envFor(fx.emulator),
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `error: capture ${pending.id} is not finished yet (status pending): run again with --wait to wait for it and then download\n`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test("--wait: waits with plain progress lines, then downloads", async () => {
    const pending = await pendingCapture(fx);
    let stderrSoFar = "";
    const running = cli(["download", pending.id, "--wait"], {
      env: envFor(fx.emulator),
      cwd: dir,
      stderr: { write: (t: string) => (stderrSoFar += t) },
    });
    await until(() => stderrSoFar.length > 0 || existsSync(join(dir, `pcap_${pending.id}.pcap`)));
    await fx.emulator.advance(10);
    const { code, stdout, stderr } = await running;
    expect(code).toBe(0);
    expect(stderr).toBe(`waiting for capture ${pending.id}: pending\ndownloading capture ${pending.id}\n`);
    expect(stderr).not.toContain("\r");
    expect(stdout).toMatch(/: \d+ bytes, 25 packets\n25 packets, /);
    expect(readPcap(join(dir, `pcap_${pending.id}.pcap`)).packets).toBe(25);
  });

  test("--wait on a terminal: one line redrawn in place, erased at the end", async () => {
    const pending = await pendingCapture(fx);
    let stderrSoFar = "";
    const running = cli(["download", pending.id, "--wait", "-o", join(dir, "tty.pcap")], {
      env: envFor(fx.emulator),
      isTTY: true,
      stderr: { write: (t: string) => (stderrSoFar += t) },
    });
    await until(() => stderrSoFar.includes("waiting"));
    await fx.emulator.advance(10);
    const { code, stderr } = await running;
    expect(code).toBe(0);
    expect(stderr).not.toContain("\n");
    expect(stderr).toMatch(/^\r. capture [0-9a-f]{8}…: pending, waiting \d+ s/);
    expect(stderr).toContain("waiting 0 s\x1b[K\r"); // erase to the end of the line, then redraw
    expect(stderr).toContain("\rdownloading ");
    expect(stderr.endsWith("\r\x1b[K")).toBe(true);
  });

  test("--wait gives up after --timeout with exit 1", async () => {
    const pending = await pendingCapture(fx);
    const { code, stderr } = await cli(["download", pending.id, "--wait", "--timeout", "1"], {
      env: envFor(fx.emulator),
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `error: capture ${pending.id} is still pending after 1 s: run again later, or with a longer --timeout`,
    );
  });

  test("a failed capture: exit 1 with the capture's error message", async () => {
    const { code, stderr } = await cli(["download", fx.failed.id, "--wait"], {
      env: envFor(fx.emulator),
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `error: capture ${fx.failed.id} failed: Cloudflare reports no reason for simple captures; the usual one is a filter that matched no traffic\n`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a full capture into a gs:// bucket: refused before any wait, with the path that works", async () => {
    // An account of its own: the emulator runs one full capture per account at a time.
    const account = "9999999999999999aaaaaaaaaaaaaaaa";
    fx.emulator.grant({ token: TOKEN, accounts: [account] });
    const gcs = "gs://cli-test-gcs/edge";
    await fx.client.addOwnership(account, gcs);
    await fx.client.validateOwnership(account, gcs, fx.emulator.readChallenge(gcs, account));
    const running = await fx.client.createCapture(account, {
      type: "full",
      system: "magic-transit",
      timeLimit: 600,
      coloName: "ord02",
      destinationConf: gcs,
    });
    const { code, stderr } = await cli(["download", running.id, "--wait", "--account", account], {
      env: envFor(fx.emulator),
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stderr).toContain("gcloud storage cp");
    expect(stderr).not.toContain("waiting");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("an unknown id: exit 1 with the API's message", async () => {
    const unknown = "feedfacefeedfacefeedfacefeedface";
    const { code, stderr } = await cli(["download", unknown], { env: envFor(fx.emulator), cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `^error: get packet capture ${unknown} in account ${fx.emulator.accountId}: .*\\(code 1300, HTTP 404\\)`,
      ),
    );
  });
});

describe("credentials and account", () => {
  test("missing credentials: exit 1 naming the variables", async () => {
    for (const command of [["list"], ["download", fx.finished.id]]) {
      const { code, stderr } = await cli(command, {
        env: { CLOUDFLARE_ACCOUNT_ID: fx.emulator.accountId },
        cwd: dir,
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /^error: No Cloudflare credentials: .*CLOUDFLARE_API_TOKEN.*CLOUDFLARE_API_KEY.*CLOUDFLARE_EMAIL/,
      );
    }
  });

  test("a global key without its email: exit 1 naming CLOUDFLARE_EMAIL, the key never printed", async () => {
    const { code, stderr } = await cli(["list"], {
      env: { CLOUDFLARE_API_KEY: TOKEN, CLOUDFLARE_ACCOUNT_ID: fx.emulator.accountId },
    });
    expect(code).toBe(1);
    expect(stderr).toContain("CLOUDFLARE_EMAIL");
  });

  test("missing account: exit 1 naming --account and CLOUDFLARE_ACCOUNT_ID", async () => {
    const env = { ...envFor(fx.emulator), CLOUDFLARE_ACCOUNT_ID: "" };
    const { code, stderr } = await cli(["list"], { env });
    expect(code).toBe(1);
    expect(stderr).toBe(
      "error: No Cloudflare account id: pass --account <id> or set CLOUDFLARE_ACCOUNT_ID.\n",
    );
  });

  test("a malformed CLOUDFLARE_ACCOUNT_ID: exit 1 naming it", async () => {
    const { code, stderr } = await cli(["list"], {
      env: { ...envFor(fx.emulator), CLOUDFLARE_ACCOUNT_ID: "acme" },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: CLOUDFLARE_ACCOUNT_ID "acme" is not valid/);
  });

  test("a rejected token: exit 1 with the API's message, the token never printed", async () => {
    const wrong = "WrongSecretToken-0000-do-not-print";
    const { code, stdout, stderr } = await cli(["list"], {
      env: { ...envFor(fx.emulator), CLOUDFLARE_API_TOKEN: wrong },
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/\(code 10000, HTTP 403\)/);
    expect(stderr).not.toContain(wrong);
  });

  test("--account overrides CLOUDFLARE_ACCOUNT_ID", async () => {
    const elsewhere = "abcdefabcdefabcdefabcdefabcdef00";
    const { code, stderr } = await cli(["list", "--account", elsewhere], { env: envFor(fx.emulator) });
    expect(code).toBe(1);
    expect(stderr).toContain(`in account ${elsewhere}`);
    expect(stderr).toMatch(/HTTP 403/);
  });
});
