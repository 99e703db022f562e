/**
 * 7. Simple captures under Cloudflare's one-per-minute rule (issue 13).
 *
 * One `up` of N = 1, 6, 12, 24 simple captures through the engine stand-in (the SDK's own plugin over
 * gRPC, registrations as concurrent as the stand-in makes them) against the in-process emulator at its
 * rule of one simple capture per minute per account, with timeScale 60: an emulated minute is a real
 * second, and the bench stack sets `cloudflare-pcap:simpleCaptureIntervalSeconds` to that second.
 *
 * Per N: the create requests the emulator served (POST /pcaps), the 429s it served, the wall time of the
 * `up`, the floor (N − 1 real intervals: the first capture may go at once, each later one a minute after
 * the one before) and wall ÷ floor. The emulator scales the minute but not the plugin's start (spawn,
 * Configure, Check and Diff before the first create), which at this scale weighs 60 times more against
 * the floor than in a real deployment; so the wall is also given from the first create request on. The growth is requests / N (1 when each capture costs one request)
 * and the exponent k of requests ∝ N^k between the smallest and largest N above 1 (1 = linear, near 2 =
 * the N(N+1)/2 of a provider that retries every pending capture once a minute).
 *
 * Variant: another client on the account (a second PcapClient) posts one simple capture right after the
 * provider's third succeeded. Its requests are counted apart: one, plus one per 429 it waited out.
 *
 * Runs against whatever package REPO holds, so the same compiled file measures an older checkout too
 * (see BENCHMARKS.md). BENCH_QUEUE_N="6,12" picks the Ns; BENCH_QUEUE_VARIANT=0 skips the variant.
 */
import { PacketCapture } from "pulumi-cloudflare-pcap";
import { PcapClient } from "pulumi-cloudflare-pcap/provider";
import { execSync } from "node:child_process";
import { REPO, main, round, type BenchResult, type Figure } from "./lib/common";
import { startBenchStack } from "./lib/pcap-stack";

const BENCH = "7 queue";
const INTERVAL_SECONDS = 60;
const TIME_SCALE = 60;
const REAL_INTERVAL_S = INTERVAL_SECONDS / TIME_SCALE;
const DEFAULT_NS = [1, 6, 12, 24];
/** The acceptance case: wall ÷ floor is held to its target here. */
const ACCEPTANCE_N = 12;
const WALL_TARGET = 1.15;
/** The provider's capture after which the other client asks for the next minute. */
const OTHER_AFTER = 3;
const OTHER_SLACK = 3;

const WEB = { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 };

interface QueueRun {
  n: number;
  withOtherClient: boolean;
  /** POST /pcaps the provider sent (the other client's removed). */
  createRequests: number;
  /** 429s served to the provider. */
  refused: number;
  /** The other client's POSTs and the 429s it got (0 without it). */
  otherRequests: number;
  /** The whole `up`. */
  wallS: number;
  /** From the start of the `up` to the first POST sent: the plugin's start, Check and Diff. */
  startS: number;
  floorS: number;
  /** undefined for N = 1 (a zero floor). */
  wallOverFloor?: number;
  /** From the first POST sent to the end of the `up`, ÷ floor. */
  fromFirstCreateOverFloor?: number;
  /** From the first POST sent to the last capture made (in the variant, the other client's too). */
  createSpanS: number;
}

function count(record: Record<string, number>, key: string): number {
  return record[key] ?? 0;
}

/** One simple capture by another tool on the same account; resolves to the requests it spent. */
async function otherClientCapture(emulator: {
  url: string;
  token: string;
  accountId: string;
}): Promise<number> {
  let requests = 1;
  const other = new PcapClient({
    credentials: { apiToken: emulator.token },
    baseUrl: emulator.url,
    // Each wait it logs is one of its requests refused, so one more sent.
    log: (event) => void (/rate limited/.test(event.message) && requests++),
  });
  try {
    const request = { type: "simple" as const, system: "magic-transit", timeLimit: 5, packetLimit: 10 };
    await other.createCapture(emulator.accountId, request);
    return requests;
  } finally {
    await other.close();
  }
}

async function queueRun(n: number, withOtherClient: boolean): Promise<QueueRun> {
  let made = 0;
  let firstSentAt: number | undefined;
  let lastMadeAt = 0;
  let other: Promise<number> | undefined;
  const ref: { emulator?: { url: string; token: string; accountId: string } } = {};
  const env = await startBenchStack({
    emulator: {
      simpleCaptureIntervalSeconds: INTERVAL_SECONDS,
      timeScale: TIME_SCALE,
      log: (entry) => {
        if (entry.route !== "POST /pcaps") return;
        const now = performance.now();
        firstSentAt ??= now - entry.durationMs;
        if (entry.status !== 200) return;
        lastMadeAt = now;
        if (withOtherClient && ++made === OTHER_AFTER && ref.emulator)
          other = otherClientCapture(ref.emulator);
      },
    },
  });
  ref.emulator = env.emulator;
  const { stack, emulator } = env;
  try {
    const started = performance.now();
    const result = await stack.up(async () => {
      for (let i = 0; i < n; i++) {
        new PacketCapture(`sample-${i}`, { type: "simple", timeLimit: 5, packetLimit: 100, filter: WEB });
      }
    });
    const ended = performance.now();
    const wallS = (ended - started) / 1000;
    const sentAt = firstSentAt ?? ended;
    const otherRequests = (await other) ?? 0;
    const expected = n + (withOtherClient ? 1 : 0);
    if (result.summary.create !== n || emulator.captures().length !== expected) {
      throw new Error(
        `expected ${n} creates and ${expected} captures, got ${JSON.stringify(result.summary)} and ${emulator.captures().length}`,
      );
    }
    const posts = count(emulator.requestCounts(), "POST /pcaps");
    const served429 = count(emulator.statusCounts(), "429");
    const floorS = (n - 1) * REAL_INTERVAL_S;
    return {
      n,
      withOtherClient,
      createRequests: posts - otherRequests,
      refused: served429 - Math.max(0, otherRequests - 1),
      otherRequests,
      wallS: round(wallS, 2),
      startS: round((sentAt - started) / 1000, 2),
      floorS,
      wallOverFloor: floorS > 0 ? round(wallS / floorS, 2) : undefined,
      fromFirstCreateOverFloor: floorS > 0 ? round((ended - sentAt) / 1000 / floorS, 2) : undefined,
      createSpanS: round((lastMadeAt - sentAt) / 1000, 2),
    };
  } finally {
    await env.close();
  }
}

/** The exponent k of requests ∝ N^k between the first and last run with N > 1. */
function growthExponent(runs: QueueRun[]): number | undefined {
  const many = runs.filter((r) => r.n > 1);
  if (many.length < 2) return undefined;
  const [a, b] = [many[0], many[many.length - 1]];
  return round(Math.log(b.createRequests / a.createRequests) / Math.log(b.n / a.n), 2);
}

function commitOf(dir: string): string | undefined {
  try {
    return execSync("git rev-parse --short HEAD", { cwd: dir, encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

function figuresOf(runs: QueueRun[], variant: QueueRun | undefined): Figure[] {
  const figures: Figure[] = [];
  for (const r of runs) {
    const label = `${r.n} simple capture${r.n === 1 ? "" : "s"}`;
    figures.push(
      {
        bench: BENCH,
        name: `${label}: create requests (POST /pcaps)`,
        value: r.createRequests,
        target: `${r.n}`,
        pass: r.createRequests === r.n,
        note: `requests / N = ${round(r.createRequests / r.n, 2)}`,
      },
      { bench: BENCH, name: `  429s served`, value: r.refused, target: "0", pass: r.refused === 0 },
      {
        bench: BENCH,
        name: `  wall ÷ floor`,
        value: r.wallOverFloor === undefined ? "—" : `${r.wallOverFloor}×`,
        ...(r.n === ACCEPTANCE_N
          ? { target: `≤ ${WALL_TARGET}×`, pass: (r.wallOverFloor ?? Infinity) <= WALL_TARGET }
          : {}),
        note: `${r.wallS} s for the up against a ${r.floorS} s floor ((N − 1) × ${REAL_INTERVAL_S} s)`,
      },
      {
        bench: BENCH,
        name: `    from the first create request`,
        value: r.fromFirstCreateOverFloor === undefined ? "—" : `${r.fromFirstCreateOverFloor}×`,
        note: `the plugin's start before it (not scaled) ${r.startS} s; first POST → last capture ${r.createSpanS} s`,
      },
    );
  }
  const exponent = growthExponent(runs);
  figures.push({
    bench: BENCH,
    name: "growth: requests / N for each N",
    value: runs.map((r) => round(r.createRequests / r.n, 2)).join(", "),
    note:
      `N = ${runs.map((r) => r.n).join(", ")}` +
      (exponent === undefined ? "" : `; requests ∝ N^${exponent} (1 = linear; N(N+1)/2 tends to 2)`),
  });
  if (variant) {
    const limit = variant.n + OTHER_SLACK;
    figures.push({
      bench: BENCH,
      name: `${variant.n} captures, another client takes a minute mid-way: create requests`,
      value: variant.createRequests,
      target: `≤ ${limit}`,
      pass: variant.createRequests <= limit,
      note:
        `${variant.refused} × 429 to the provider; the other client sent ${variant.otherRequests}; ` +
        `wall ${variant.wallS} s (floor ${variant.floorS} s, ${variant.wallOverFloor}×)`,
    });
  }
  return figures;
}

/**
 * One `up` of an empty program first, so that loading the SDK and gRPC into this process (the stand-in's
 * cost, paid once) is not charged to whichever N runs first.
 */
async function warmUp(): Promise<void> {
  const env = await startBenchStack();
  try {
    await env.stack.up(async () => undefined);
  } finally {
    await env.close();
  }
}

async function run(): Promise<BenchResult> {
  const ns = process.env.BENCH_QUEUE_N ? process.env.BENCH_QUEUE_N.split(",").map(Number) : DEFAULT_NS;
  await warmUp();
  const runs: QueueRun[] = [];
  for (const n of ns) runs.push(await queueRun(n, false));
  const variant = process.env.BENCH_QUEUE_VARIANT === "0" ? undefined : await queueRun(ACCEPTANCE_N, true);
  return {
    bench: "queue",
    figures: figuresOf(runs, variant),
    details: {
      package: { dir: REPO, commit: commitOf(REPO) },
      rule: {
        simpleCaptureIntervalSeconds: INTERVAL_SECONDS,
        timeScale: TIME_SCALE,
        realIntervalS: REAL_INTERVAL_S,
      },
      runs,
      variant,
      growthExponent: growthExponent(runs),
    },
  };
}

if (require.main === module) main(run);
