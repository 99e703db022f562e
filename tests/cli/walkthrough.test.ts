/**
 * README's incident walkthrough runs as written: its shell block is read from README.md and each line
 * runs in bash, with `pulumi-cloudflare-pcap` on PATH (the built binary) and the environment pointing
 * at an emulator and a local S3 (s3rver) holding the bucket the walkthrough names.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PcapClient } from "../../client";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { ensureBuilt, envFor, MAIN, TOKEN, tshark } from "./helpers";
import { startMirroredS3, type S3Server } from "../support/s3-server";

const README = join(__dirname, "..", "..", "README.md");

/** The walkthrough's commands: the shell block of its section that is not the `export` lines. */
function walkthrough(): string[] {
  const markdown = readFileSync(README, "utf8");
  const section = markdown.slice(markdown.indexOf("### Incident walkthrough"));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  const block = blocks.find((b) => !b.trimStart().startsWith("export"));
  if (block === undefined) throw new Error("README has no incident walkthrough block");
  return block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

let emulator: EmulatorHandle;
let s3: S3Server;
let work: string;

beforeAll(async () => {
  ensureBuilt();
  // 100 emulated seconds a second: the walkthrough's minute-long sample and five-minute capture are quick.
  emulator = await startEmulator({ token: TOKEN, timeScale: 100 });
  work = mkdtempSync(join(tmpdir(), "pcap-cli-walkthrough-"));
  s3 = await startMirroredS3({ "my-pcaps": join(emulator.dataDir, "buckets", "s3", "my-pcaps") });
  // The walkthrough starts with the bucket already onboarded.
  const bucket = "s3://my-pcaps/incidents?region=us-east-1";
  const client = new PcapClient({ credentials: { apiToken: TOKEN }, baseUrl: emulator.url });
  await client.addOwnership(emulator.accountId, bucket);
  await client.validateOwnership(emulator.accountId, bucket, emulator.readChallenge(bucket));
  await client.close();
}, 180_000);

afterAll(async () => {
  await s3.close();
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
});

test("README's incident walkthrough runs as written: every command exits 0 and leaves its file", async () => {
  const commands = walkthrough();
  expect(commands.filter((c) => c.startsWith("pulumi-cloudflare-pcap capture"))).toHaveLength(3);
  // `pulumi-cloudflare-pcap` as npm links it: the built entry, run by node.
  const bin = join(work, "bin");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "pulumi-cloudflare-pcap"),
    `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`,
  );
  chmodSync(join(bin, "pulumi-cloudflare-pcap"), 0o755);
  const cwd = join(work, "incident");
  mkdirSync(cwd);
  const env = { PATH: `${bin}:${process.env.PATH}`, HOME: work, ...envFor(emulator), ...s3.env };

  const outputs: string[] = [];
  for (const command of commands) {
    const { stdout } = await promisify(execFile)("bash", ["-c", command], { cwd, env }).catch(
      (error: { code: number; stderr: string }) => {
        throw new Error(`${command}\nexited ${error.code}: ${error.stderr}`);
      },
    );
    outputs.push(stdout);
  }

  const [sample, dns, , incident, summary] = outputs;
  expect(sample).toMatch(/^sample\.pcap: \d+ bytes, 1000 packets\n/);
  expect(dns).toMatch(/^dns\.pcap: \d+ bytes, \d+ packets\n/);
  for (const [dst, port] of tshark(join(cwd, "dns.pcap"), ["ip.dst", "udp.dstport"])) {
    expect([dst, port]).toEqual(["203.0.113.7", "53"]);
  }
  expect(incident).toMatch(/^incident\.pcap: \d+ bytes, 2000 packets, merged from \d+ parts?\n/);
  expect(summary).toMatch(/^incident\.pcap\n2000 packets, /);
  expect(tshark(join(cwd, "incident.pcap"), ["ip.dst"]).every(([dst]) => dst === "203.0.113.7")).toBe(true);
});
