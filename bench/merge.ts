/**
 * Merging parts (issue 12).
 *
 * A full capture's parts: 16 classic pcap files (1 GiB together by default; BENCH_MERGE_BYTES to change
 * it), written to the temporary directory with interleaved timestamps over one window and a mix of
 * packet sizes (64 to 1,514 bytes), as edge servers would write them. Then, alternating, ROUNDS times:
 * `cat` of the parts into one file (the floor: the same bytes read and written, no merging) and
 * `mergePcapFiles` in a child process (as a program calls it). The parts are in the page cache for both.
 * Figures: the medians' throughput (input MiB/s) and their ratio; the merge's peak RSS (the kernel's
 * high-water mark of the child process) and its growth over the child's baseline.
 */
import { spawn } from "node:child_process";
import { openSync, closeSync, mkdtempSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, median, round, runChild, type BenchResult, type Figure } from "./lib/common";

const MiB = 1024 ** 2;
const BYTES = Number(process.env.BENCH_MERGE_BYTES ?? 1024 ** 3);
const PARTS = 16;
const ROUNDS = 3;
/** Frame sizes seen on a busy link: ACKs, mid-size, full-size. */
const SIZES = [64, 64, 90, 576, 1200, 1514, 1514, 1514];

interface MergeRun {
  bytes: number;
  packets: number;
  ms: number;
  baselineRss: number;
  maxRss: number;
}

/** Writes part `index`: about `bytes` of records, timestamps spread over the same 60 s as the others. */
function writePart(path: string, index: number, bytes: number): void {
  let seed = 0x9e3779b9 ^ (index * 0x85ebca6b);
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const meanRecord = 16 + SIZES.reduce((a, b) => a + b, 0) / SIZES.length;
  const stepNs = (60e9 / (bytes / meanRecord)) * 2; // mean gap: the window spread over the records
  const fd = openSync(path, "wx");
  const buffer = Buffer.alloc(4 * MiB);
  buffer.writeUInt32LE(0xa1b2c3d4, 0);
  buffer.writeUInt16LE(2, 4);
  buffer.writeUInt16LE(4, 6);
  buffer.writeUInt32LE(65535, 16);
  buffer.writeUInt32LE(1, 20);
  let used = 24;
  let written = 0;
  let ns = 1_735_689_600 * 1e9 + random() * 1e6;
  while (written + used < bytes) {
    const length = SIZES[Math.floor(random() * SIZES.length)];
    if (used + 16 + length > buffer.length) {
      writeSync(fd, buffer, 0, used);
      written += used;
      used = 0;
    }
    ns += random() * stepNs;
    const seconds = Math.floor(ns / 1e9);
    buffer.writeUInt32LE(seconds, used);
    buffer.writeUInt32LE(Math.floor((ns - seconds * 1e9) / 1000), used + 4);
    buffer.writeUInt32LE(length, used + 8);
    buffer.writeUInt32LE(length, used + 12);
    buffer[used + 16] = index; // the data's bytes are never looked at; the buffer's old bytes will do
    used += 16 + length;
  }
  writeSync(fd, buffer, 0, used);
  closeSync(fd);
}

function cat(parts: string[], output: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = openSync(output, "w");
    const started = performance.now();
    const child = spawn("cat", parts, { stdio: ["ignore", fd, "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => {
      const ms = performance.now() - started;
      closeSync(fd);
      if (code === 0) resolve(ms);
      else reject(new Error(`cat exited ${code}`));
    });
  });
}

async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "pcap-bench-merge-"));
  try {
    const parts = Array.from({ length: PARTS }, (_, i) => join(dir, `pcap_part${i}.pcap`));
    const generating = performance.now();
    parts.forEach((path, i) => writePart(path, i, BYTES / PARTS));
    const generateSeconds = (performance.now() - generating) / 1000;
    const input = parts.reduce((sum, p) => sum + statSync(p).size, 0);
    const catMs: number[] = [];
    const merges: MergeRun[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const catFile = join(dir, "cat.out");
      catMs.push(await cat(parts, catFile));
      rmSync(catFile);
      const merged = join(dir, "merged.pcap");
      const result = await runChild<BenchResult>(join(__dirname, "merge-client.js"), {
        args: [merged, ...parts],
        execArgv: ["--expose-gc"],
        timeoutMs: 600_000,
      });
      const m = result.details as unknown as MergeRun;
      if (statSync(merged).size !== m.bytes) throw new Error("the merge wrote a different size");
      rmSync(merged);
      merges.push(m);
    }
    const catMiBs = median(catMs.map((ms) => input / MiB / (ms / 1000)));
    const mergeMiBs = median(merges.map((m) => input / MiB / (m.ms / 1000)));
    const peak = Math.max(...merges.map((m) => m.maxRss)) / MiB;
    const growth = Math.max(...merges.map((m) => m.maxRss - m.baselineRss)) / MiB;
    const size = `${round(input / MiB, 0)} MiB in ${PARTS} parts, ${merges[0].packets} packets`;
    const figures: Figure[] = [
      {
        bench: "8 merge",
        name: "mergePcapFiles ÷ cat of the parts, throughput",
        value: round(mergeMiBs / catMiBs, 3),
        note: `${round(mergeMiBs, 0)} vs ${round(catMiBs, 0)} MiB/s, medians of ${ROUNDS} alternating runs; ${size}`,
      },
      {
        bench: "8 merge",
        name: "merge peak RSS (whole process)",
        value: `${round(peak, 1)} MiB`,
        note: `maxRSS of the child, worst run; growth over its baseline ${round(growth, 1)} MiB`,
      },
    ];
    return {
      bench: "merge",
      figures,
      details: { input, parts: PARTS, generateSeconds, catMs, merges, catMiBs, mergeMiBs },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main(run);
