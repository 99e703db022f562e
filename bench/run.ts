/**
 * `npm run bench`: runs the eight benchmarks one after another, each in its own process, prints every
 * figure next to its target and writes everything measured to bench/results/<time>.json (and
 * latest.json). `npm run bench -- <name> …` runs only those (cold-start, overhead, state, download,
 * convergence, economy, queue, merge). Exits 1 if a benchmark could not run; a missed target is reported, not
 * an error.
 */
import { execSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { RESULTS_DIR, REPO, round, runChild, type BenchResult, type Figure } from "./lib/common";

/** In order: the timing-sensitive short ones first, the long waits last. */
const BENCHES: Array<{ name: string; file: string; timeoutMs: number }> = [
  { name: "cold-start", file: "cold-start.js", timeoutMs: 120_000 },
  { name: "overhead", file: "overhead.js", timeoutMs: 180_000 },
  { name: "state", file: "state-weight.js", timeoutMs: 120_000 },
  { name: "download", file: "download.js", timeoutMs: 240_000 },
  { name: "convergence", file: "convergence.js", timeoutMs: 300_000 },
  { name: "economy", file: "economy.js", timeoutMs: 300_000 },
  { name: "queue", file: "queue.js", timeoutMs: 300_000 },
  { name: "merge", file: "merge.js", timeoutMs: 1_200_000 },
];

function machine() {
  const cpuModel =
    /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpus()[0]?.model;
  let commit: string | undefined;
  try {
    commit = execSync("git rev-parse --short HEAD", { cwd: REPO, encoding: "utf8" }).trim();
  } catch {
    commit = undefined;
  }
  return {
    nproc: cpus().length,
    cpuModel,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit,
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function printTable(figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.pass === undefined ? "" : f.pass ? "MET" : "MISSED",
    f.bench,
    f.name,
    `${f.value}${f.unit ? ` ${f.unit}` : ""}`.trim(),
    f.target ?? "",
    f.note ?? "",
  ]);
  const header = ["", "bench", "figure", "measured", "target", "how / made of"];
  const widths = header.map((h, i) =>
    Math.min([6, 14, 58, 44, 8, 0][i] || Infinity, Math.max(h.length, ...rows.map((r) => r[i].length))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i])))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  let previous = "";
  for (const row of rows) {
    const cells = [...row];
    if (cells[1] === previous) cells[1] = "";
    else {
      previous = cells[1];
      console.log("");
    }
    console.log(line(cells));
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const selected = only.length ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
  if (only.length && selected.length !== only.length) {
    console.error(`unknown benchmark; choose from: ${BENCHES.map((b) => b.name).join(", ")}`);
    process.exit(2);
  }
  const info = machine();
  console.log(
    `pulumi-cloudflare-pcap benchmarks: ${info.nproc} × ${info.cpuModel}, node ${info.node}, ` +
      `load average ${info.loadAverageAtStart.join(" ")}`,
  );
  if (info.loadAverageAtStart[0] > info.nproc * 0.75) {
    console.log(
      `warning: the machine is busy (1-min load ${info.loadAverageAtStart[0]} on ${info.nproc} cores): ` +
        "timings will be slower and noisier than on an idle machine",
    );
  }
  const started = performance.now();
  const results: BenchResult[] = [];
  const durations: Record<string, number> = {};
  const failures: Record<string, string> = {};
  for (const bench of selected) {
    const t = performance.now();
    process.stdout.write(`running ${bench.name} … `);
    try {
      results.push(await runChild(join(__dirname, bench.file), { timeoutMs: bench.timeoutMs }));
      durations[bench.name] = round((performance.now() - t) / 1000, 1);
      console.log(`${durations[bench.name]} s`);
    } catch (err) {
      durations[bench.name] = round((performance.now() - t) / 1000, 1);
      failures[bench.name] = (err as Error).message;
      console.log(`FAILED after ${durations[bench.name]} s\n${(err as Error).message}`);
    }
  }
  const totalSeconds = round((performance.now() - started) / 1000, 1);
  // Printed in the contract's order (1 … 7), whatever order they ran in.
  const figures = results
    .flatMap((r) => r.figures)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => parseInt(a.f.bench, 10) - parseInt(b.f.bench, 10) || a.i - b.i)
    .map(({ f }) => f);
  console.log("");
  printTable(figures);
  const targets = figures.filter((f) => f.pass !== undefined);
  const met = targets.filter((f) => f.pass).length;
  const loadAtEnd = loadavg().map((l) => round(l, 2));
  console.log(
    `\n${met}/${targets.length} targets met; total ${totalSeconds} s; load average at end ${loadAtEnd.join(" ")}`,
  );

  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const report = {
    date: new Date().toISOString(),
    machine: { ...info, loadAverageAtEnd: loadAtEnd },
    totalSeconds,
    durations,
    failures,
    figures,
    results,
  };
  const file = join(RESULTS_DIR, `bench-${stamp}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(RESULTS_DIR, "latest.json"), JSON.stringify(report, null, 2) + "\n");
  console.log(`results: ${file}`);
  if (Object.keys(failures).length) process.exitCode = 1;
}

void main();
