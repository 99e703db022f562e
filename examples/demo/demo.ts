/**
 * The demo: the bucket-onboarding example, end to end, against the PCAP API emulator started in this
 * process — `pulumi up`, a second `pulumi up` that must change nothing, `pulumi destroy` — printed as a
 * short deployment log with a summary. Run by `npm run demo` (main.ts) and by tests/examples/demo.test.ts.
 */
import { readFileSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { mergePcapFiles } from "pulumi-cloudflare-pcap/client";
import { startEmulator, type EmulatorHandle } from "pulumi-cloudflare-pcap/emulator";
import { repoRoot } from "../../tests/support/package-link";
import { cliEngine, pulumiOnPath } from "./engine-cli";
import { standInEngine } from "./engine-stand-in";
import type { DemoConfig, Engine, StageResult, Step } from "./engine";

export interface DemoOptions {
  /** The emulator's data directory (buckets live there); emptied first, kept afterwards. */
  dataDir: string;
  /** `auto` (default): the Pulumi CLI if `pulumi` is on PATH, else the engine stand-in. */
  engine?: "auto" | "cli" | "stand-in";
  /** Emulated seconds per real second (default 60: the two-minute capture takes about a second). */
  timeScale?: number;
  /** Where the log goes, one line at a time (default: stdout). */
  print?: (line: string) => void;
}

export interface StageReport {
  title: string;
  steps: Step[];
  /** Steps per operation. */
  counts: Record<string, number>;
  /** Requests the emulator answered during the stage. */
  apiCalls: number;
  seconds: number;
}

export interface DemoSummary {
  engine: "cli" | "stand-in";
  destinationConf: string;
  stages: StageReport[];
  capture: { id: string; status: string; packets: number; files: string[]; bytes: number };
  /** The capture's files merged in timestamp order into one pcap, as `download` does from a bucket. */
  merged: { path: string; packets: number; bytes: number };
  /** The emulator after destroy: nothing registered, nothing running. */
  emulatorAfterDestroy: { ownerships: number; activeCaptures: number; capturesInHistory: number };
}

/** A check of the demo failed (the message says which); the log printed so far shows where. */
export class DemoFailure extends Error {
  override name = "DemoFailure";
}

const STACK = "demo";
const DESTINATION = "s3://pcap-demo-bucket/edge?region=us-east-1";
const CAPTURE = { timeLimit: 120, packetLimit: 100 };
const SYMBOLS: Record<string, string> = { create: "+", same: "=", update: "~", replace: "+-", delete: "-" };
const VERBS: Record<string, string> = {
  create: "created",
  same: "unchanged",
  update: "updated",
  replace: "replaced",
  delete: "deleted",
};

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const print = options.print ?? ((line: string) => console.log(line));
  const programDir = join(repoRoot(), "examples", "bucket-onboarding");
  const timeScale = options.timeScale ?? 60;

  print("pulumi-cloudflare-pcap demo: examples/bucket-onboarding against the local PCAP API emulator");
  const cli = options.engine === "stand-in" ? undefined : pulumiOnPath();
  if (options.engine === "cli" && !cli) throw new DemoFailure("--cli was given, but `pulumi` is not on PATH");
  if (!cli) {
    print(
      options.engine === "stand-in"
        ? "Running the program through the engine stand-in (tests/engine), as asked (--stand-in)."
        : "No Pulumi CLI on PATH: running the same program through the engine stand-in (tests/engine) instead.",
    );
  }

  rmSync(options.dataDir, { recursive: true, force: true });
  const emulator = await startEmulator({ dataDir: options.dataDir, timeScale });
  const bucketDir = emulator.bucketDirectory(DESTINATION);
  print(
    `emulator  ${emulator.url}  (account ${emulator.accountId.slice(0, 8)}…, data ${show(options.dataDir)}, clock ×${timeScale})`,
  );
  print(`bucket    ${DESTINATION}  (a directory here: ${show(bucketDir)})`);

  const config: DemoConfig = {
    "cloudflare:apiToken": { value: emulator.token, secret: true },
    "cloudflare:baseUrl": { value: emulator.url },
    "cloudflare-pcap:accountId": { value: emulator.accountId },
    destinationConf: { value: DESTINATION },
    emulatorBucketDir: { value: bucketDir },
    timeLimit: { value: String(CAPTURE.timeLimit) },
    packetLimit: { value: String(CAPTURE.packetLimit) },
  };
  let engine: Engine | undefined;
  try {
    const settings = { programDir, stackName: STACK, config };
    engine = cli ? await cliEngine(settings) : standInEngine(settings);
    if (cli) print(`engine    ${engine.description}`);
    const run = stageRunner(emulator, print);

    const first = await run("[1/3] pulumi up", () => engine!.up());
    const capture = checkCapture(first.result);
    print(
      `  capture files ${capture.files.map(show).join(", ")}  (${capture.packets} packets, ${kb(capture.bytes)})`,
    );
    const merged = await mergeCapture(capture, options.dataDir);
    print(
      `  merged        ${show(merged.path)}  (${merged.packets} packets in time order, ${kb(merged.bytes)})`,
    );

    const second = await run("[2/3] pulumi up again: nothing changed, so nothing should happen", () =>
      engine!.up(),
    );
    const changed = second.report.steps.filter((s) => s.op !== "same");
    if (changed.length > 0) {
      throw new DemoFailure(
        `the second up changed ${changed.map((s) => `${s.type} ${s.name} (${s.op})`).join(", ")}`,
      );
    }

    const third = await run("[3/3] pulumi destroy", () => engine!.destroy());
    await emulator.advance(0);
    const active = emulator.captures().filter((c) => c.status === "pending" || c.status === "running");
    const emulatorAfterDestroy = {
      ownerships: emulator.ownerships().length,
      activeCaptures: active.length,
      capturesInHistory: emulator.captures().length,
    };
    if (emulatorAfterDestroy.ownerships > 0 || emulatorAfterDestroy.activeCaptures > 0) {
      throw new DemoFailure(
        `after destroy the emulator still has ${emulatorAfterDestroy.ownerships} bucket registration(s) and ` +
          `${emulatorAfterDestroy.activeCaptures} active capture(s)`,
      );
    }

    const summary: DemoSummary = {
      engine: cli ? "cli" : "stand-in",
      destinationConf: DESTINATION,
      stages: [first.report, second.report, third.report],
      capture,
      merged,
      emulatorAfterDestroy,
    };
    printSummary(summary, print);
    return summary;
  } finally {
    await engine?.close().catch((err: unknown) => print(`(cleanup of the stack failed: ${String(err)})`));
    await emulator.close();
  }
}

/** Runs a stage, printing its steps and a one-line count; a failure is printed and rethrown as DemoFailure. */
function stageRunner(emulator: EmulatorHandle, print: (line: string) => void) {
  return async (title: string, stage: () => Promise<StageResult>) => {
    print("");
    print(title);
    emulator.resetCounts();
    const started = Date.now();
    let result: StageResult;
    try {
      result = await stage();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      print(`  ✗ failed: ${message.split("\n")[0]}`);
      throw new DemoFailure(`${title}: ${message}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const apiCalls = Object.values(emulator.requestCounts()).reduce((a, b) => a + b, 0);
    const typeWidth = Math.max(0, ...result.steps.map((s) => s.type.length));
    const nameWidth = Math.max(0, ...result.steps.map((s) => s.name.length));
    for (const step of result.steps) {
      const detail = step.op === "delete" ? "" : describe(step);
      const columns = [(SYMBOLS[step.op] ?? "*").padEnd(2), step.op.padEnd(7), step.type.padEnd(typeWidth)];
      print(`  ${columns.join(" ")}  ${step.name.padEnd(nameWidth)}  ${detail}`.trimEnd());
    }
    const counts: Record<string, number> = {};
    for (const step of result.steps) counts[step.op] = (counts[step.op] ?? 0) + 1;
    const tally = Object.entries(counts).map(([op, n]) => `${n} ${VERBS[op] ?? op}`);
    print(
      `  ${tally.join(", ") || "nothing to do"} · ${apiCalls} API call${apiCalls === 1 ? "" : "s"} · ${seconds.toFixed(1)} s`,
    );
    return { result, report: { title, steps: result.steps, counts, apiCalls, seconds } };
  };
}

/** What a person wants to know about a resource after a step. */
function describe(step: Step): string {
  const o = step.outputs;
  switch (step.type) {
    case "BucketOwnership":
      return `registered; Cloudflare wrote ${String(o.filename)}`;
    case "BucketOwnershipValidation":
      return `ownership ${String(o.status)}`;
    case "PacketCapture":
      return `${String(o.type)} capture at ${String(o.coloName)}: ${String(o.status)}, ${String(o.packetsCaptured)} packets`;
    default:
      return typeof o.status === "string" ? o.status : "";
  }
}

/**
 * The capture's files, one per edge server, merged into one pcap beside them: what `download` of a full
 * capture does after fetching them from a real bucket (the emulator's bucket is a local directory).
 */
async function mergeCapture(
  capture: DemoSummary["capture"],
  dataDir: string,
): Promise<DemoSummary["merged"]> {
  const path = join(dataDir, `capture_${capture.id}.pcap`);
  const merged = await mergePcapFiles(capture.files, path);
  if (merged.packets !== capture.packets) {
    throw new DemoFailure(
      `the merged file has ${merged.packets} packets, the capture reported ${capture.packets}`,
    );
  }
  return { path, packets: merged.packets, bytes: merged.bytes };
}

/** The full capture is done and its pcap files (one per edge server) are in the bucket. */
function checkCapture(result: StageResult): DemoSummary["capture"] {
  const { captureId, captureStatus, captureFiles, packetsCaptured } = result.outputs;
  if (captureStatus !== "success" && captureStatus !== "complete") {
    throw new DemoFailure(`the capture ended "${String(captureStatus)}", not "success"`);
  }
  // A list output. Object.values reads it either way: when the demo runs under jest (tests/examples), an
  // array Node made (readdirSync) crosses jest's sandbox realm and arrives as an object keyed "0", "1", …
  const files =
    typeof captureFiles === "object" && captureFiles !== null ? Object.values(captureFiles).map(String) : [];
  if (files.length === 0) throw new DemoFailure("the stack has no captureFiles output, or it lists no file");
  let bytes = 0;
  for (const file of files) {
    let magic: string;
    try {
      bytes += statSync(file).size;
      magic = readFileSync(file).subarray(0, 4).toString("hex");
    } catch (err) {
      throw new DemoFailure(`the capture file ${file} cannot be read: ${(err as Error).message}`);
    }
    if (!["a1b2c3d4", "d4c3b2a1"].includes(magic)) {
      throw new DemoFailure(`${file} is not a pcap file (it starts with 0x${magic})`);
    }
  }
  return {
    id: String(captureId),
    status: captureStatus,
    packets: Number(packetsCaptured),
    files,
    bytes,
  };
}

function printSummary(summary: DemoSummary, print: (line: string) => void): void {
  const [first, second, third] = summary.stages;
  const after = summary.emulatorAfterDestroy;
  const line = (label: string, text: string) => print(`  ${label.padEnd(12)}${text}`);
  print("");
  print("Summary");
  line("engine", summary.engine === "cli" ? "the Pulumi CLI" : "the engine stand-in (tests/engine)");
  line("bucket", `${summary.destinationConf}: registered, validated, then unregistered by destroy`);
  line(
    "capture",
    `full, ${summary.capture.status}, ${summary.capture.packets} packets, id ${summary.capture.id}`,
  );
  line(
    "pcap files",
    `${summary.capture.files.length} in ${show(dirname(summary.capture.files[0]))} (${kb(summary.capture.bytes)}; ` +
      "one per edge server)",
  );
  line(
    "merged",
    `${show(summary.merged.path)}: ${summary.merged.packets} packets in time order, for Wireshark ` +
      "(`pulumi-cloudflare-pcap download <id> -o <file>` fetches and merges from a real bucket)",
  );
  const tally = (stage: StageReport) =>
    Object.entries(stage.counts)
      .map(([op, n]) => `${n} ${VERBS[op] ?? op}`)
      .join(", ");
  line("operations", `up: ${tally(first)} → up again: ${tally(second)} → destroy: ${tally(third)}`);
  line("API calls", `${first.apiCalls} → ${second.apiCalls} → ${third.apiCalls}`);
  line(
    "emulator",
    `empty after destroy: ${after.ownerships} bucket registrations, ${after.activeCaptures} active captures ` +
      `(${plural(after.capturesInHistory, "finished capture")} kept in the account's history, as on Cloudflare)`,
  );
  print("");
  print("Demo OK: up, up with no changes, and destroy all succeeded.");
}

/** A path relative to the working directory when it is inside it. */
function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
