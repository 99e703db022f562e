/**
 * The core of `npm run demo` (examples/demo/demo.ts), on the engine stand-in as on a machine without the
 * Pulumi CLI: bucket-onboarding up, up again with no changes, destroy; a log a person reads at a glance;
 * the emulator empty at the end.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadExample } from "./helpers";

type DemoModule = typeof import("../../examples/demo/demo");
const { runDemo } = loadExample<DemoModule>("demo/demo");

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "pcap-demo-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

it("runs bucket-onboarding up, up (no changes), destroy and leaves the emulator empty", async () => {
  const lines: string[] = [];
  const summary = await runDemo({ engine: "stand-in", dataDir, print: (line) => lines.push(line) });

  expect(summary.engine).toBe("stand-in");
  expect(summary.stages.map((s) => s.counts)).toEqual([{ create: 3 }, { same: 3 }, { delete: 3 }]);
  expect(summary.stages[1].apiCalls).toBe(0);
  expect(summary.emulatorAfterDestroy).toEqual({ ownerships: 0, activeCaptures: 0, capturesInHistory: 1 });
  expect(summary.capture).toMatchObject({ status: "success", packets: 100 });
  expect(summary.capture.files.length).toBeGreaterThanOrEqual(2); // one per edge server
  // The parts merged into one file, every packet in time order, as tshark reads it.
  expect(summary.merged).toMatchObject({
    path: join(dataDir, `capture_${summary.capture.id}.pcap`),
    packets: 100,
  });
  const times = execFileSync(
    "tshark",
    ["-r", summary.merged.path, "-T", "fields", "-e", "frame.time_epoch"],
    {
      encoding: "utf8",
    },
  )
    .trim()
    .split("\n")
    .map(Number);
  expect(times).toHaveLength(100);
  expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
  for (const file of summary.capture.files) {
    expect(file.startsWith(dataDir)).toBe(true);
    expect(existsSync(file)).toBe(true); // kept for Wireshark after the emulator stopped
  }

  const log = lines.join("\n");
  expect(log).toContain(
    "Running the program through the engine stand-in (tests/engine), as asked (--stand-in).",
  );
  expect(lines).toEqual(
    expect.arrayContaining([
      "[1/3] pulumi up",
      expect.stringMatching(
        /^ {2}\+ {2}create {2}BucketOwnership {12}captures {3}registered; Cloudflare wrote ownership-challenge-[0-9a-f]{32}\.txt$/,
      ),
      expect.stringMatching(
        /^ {2}\+ {2}create {2}BucketOwnershipValidation {2}captures {3}ownership success$/,
      ),
      expect.stringMatching(
        /^ {2}\+ {2}create {2}PacketCapture {14}edge-full {2}full capture at ord02: success, 100 packets$/,
      ),
      expect.stringMatching(/^ {2}3 created · \d+ API calls? · [\d.]+ s$/),
      expect.stringMatching(/^ {2}3 unchanged · 0 API calls · [\d.]+ s$/),
      expect.stringMatching(/^ {2}- {2}delete {2}BucketOwnership {12}captures$/),
      "Summary",
      `  pcap files  ${summary.capture.files.length} in ${dirname(summary.capture.files[0])} (${(summary.capture.bytes / 1024).toFixed(1)} KiB; ` +
        "one per edge server)",
      `  merged      ${summary.merged.path}: 100 packets in time order, for Wireshark ` +
        "(`pulumi-cloudflare-pcap download <id> -o <file>` fetches and merges from a real bucket)",
      "  operations  up: 3 created → up again: 3 unchanged → destroy: 3 deleted",
      expect.stringMatching(
        /^ {2}emulator {4}empty after destroy: 0 bucket registrations, 0 active captures/,
      ),
      "Demo OK: up, up with no changes, and destroy all succeeded.",
    ]),
  );
});
