/**
 * 2. API economy.
 *
 * Requests the emulator served for each operation of each resource kind, through the engine stand-in,
 * next to the fewest the API allows (each minimum with its justification); the refresh of 200
 * ownerships; and the polls spent waiting for a capture against the ideal for the detection latency
 * they achieved.
 *
 * Waiting. For a capture that takes D seconds, a poller that checks every L seconds sees it finish
 * within L using ⌈D/L⌉ polls (the detecting poll included): that is the ideal for latency L. Each wait
 * runs through the stand-in in its own process (own emulator and plugin, in parallel) with a simple
 * capture whose `pending` lasts 10 emulated seconds and `timeScale` = 10 / D, so it completes D real
 * seconds after it was submitted; the provider's polls are real-time (provider/wait.ts), so the run
 * takes D seconds. The poll times of the longest run then give polls and latency for every duration up
 * to it (a sweep); the worst case is a capture finishing just after a poll.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  BucketOwnership,
  BucketOwnershipValidation,
  PacketCapture,
  type PacketCaptureArgs,
} from "pulumi-cloudflare-pcap";
import type { EmulatorHandle } from "pulumi-cloudflare-pcap/emulator";
import type { RunResult } from "../tests/engine";
import { main, round, runChild, sum, type BenchResult, type Figure } from "./lib/common";
import { startBenchStack, type BenchStack } from "./lib/pcap-stack";

const WEB = { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 };
const OTHER = { destinationAddress: "203.0.113.8", protocol: 6, destinationPort: 443 };

interface Row {
  kind: string;
  op: string;
  requests: number;
  routes: Record<string, number>;
  minimum: number;
  why: string;
  atMinimum: boolean;
}

const rows: Row[] = [];

function routesOf(counts: Record<string, number>, filter: (route: string) => boolean) {
  return Object.fromEntries(Object.entries(counts).filter(([route, n]) => n > 0 && filter(route)));
}

const ALL = () => true;
const CAPTURE_ROUTES = (route: string) => !route.includes("ownership");

/** Runs `op` and records the requests it cost (only routes passing `filter`) against `minimum`. */
async function measure(
  env: BenchStack,
  kind: string,
  op: string,
  minimum: number,
  why: string,
  run: () => Promise<RunResult | void>,
  filter: (route: string) => boolean = ALL,
): Promise<void> {
  env.emulator.resetCounts();
  await run();
  const routes = routesOf(env.emulator.requestCounts(), filter);
  const requests = sum(routes);
  rows.push({ kind, op, requests, routes, minimum, why, atMinimum: requests <= minimum });
}

async function ownershipLifecycle(): Promise<void> {
  const env = await startBenchStack();
  const { stack, emulator } = env;
  const D1 = "s3://economy-one?region=us-east-1";
  const D2 = "gs://economy-two/edge";
  const program =
    (dest: string, extra: { challenge?: boolean; timeout?: number } = {}) =>
    async () => {
      new BucketOwnership("bucket", {
        destinationConf: dest,
        ...(extra.challenge ? { ownershipChallenge: pulumi.secret(emulator.readChallenge(dest)) } : {}),
        ...(extra.timeout ? { validationTimeoutSeconds: extra.timeout } : {}),
      });
    };
  const K = "BucketOwnership";
  try {
    await measure(env, K, "create (no challenge)", 1, "POST /pcaps/ownership", () => stack.up(program(D1)));
    await measure(env, K, "no-op up", 0, "nothing changed", () => stack.up(program(D1)));
    await measure(env, K, "refresh", 1, "GET /pcaps/ownership (no get-by-id exists)", () => stack.refresh());
    await measure(env, K, "update validationTimeoutSeconds", 0, "a provider-side setting", () =>
      stack.up(program(D1, { timeout: 600 })),
    );
    await measure(
      env,
      K,
      "update: declare the challenge",
      1,
      "POST …/validate (its answer carries status success)",
      () => stack.up(program(D1, { challenge: true, timeout: 600 })),
    );
    await measure(env, K, "replace (destinationConf)", 2, "POST new registration + DELETE old", () =>
      stack.up(program(D2)),
    );
    await measure(env, K, "delete", 1, "DELETE /pcaps/ownership/:id", () => stack.up(async () => undefined));
  } finally {
    await env.close();
  }
}

async function validationLifecycle(): Promise<void> {
  const env = await startBenchStack();
  const { stack, emulator } = env;
  const DEST = "s3://economy-validated?region=us-east-1";
  const bucketOnly = async () => {
    new BucketOwnership("bucket", { destinationConf: DEST });
  };
  const withProof = (timeout?: number) => async () => {
    const bucket = new BucketOwnership("bucket", { destinationConf: DEST });
    new BucketOwnershipValidation("proof", {
      destinationConf: bucket.destinationConf,
      ownershipChallenge: pulumi.secret(bucket.filename.apply(() => emulator.readChallenge(DEST))),
      ...(timeout ? { validationTimeoutSeconds: timeout } : {}),
    });
  };
  const K = "BucketOwnershipValidation";
  try {
    await stack.up(bucketOnly);
    await measure(
      env,
      K,
      "create",
      1,
      "POST …/validate: its answer is the ownership (id, status); 404 = not registered",
      () => stack.up(withProof()),
    );
    await measure(env, K, "no-op up (with its bucket)", 0, "nothing changed", () => stack.up(withProof()));
    await measure(env, K, "refresh (with its bucket)", 1, "one GET /pcaps/ownership serves both reads", () =>
      stack.refresh(),
    );
    await measure(env, K, "update validationTimeoutSeconds", 0, "a provider-side setting", () =>
      stack.up(withProof(600)),
    );
    await measure(env, K, "delete", 0, "the registration belongs to the BucketOwnership", () =>
      stack.up(bucketOnly),
    );
    await stack.destroy();
  } finally {
    await env.close();
  }
}

function simple(name: string, args: Partial<PacketCaptureArgs> = {}) {
  return new PacketCapture(name, { type: "simple", timeLimit: 5, packetLimit: 100, filter: WEB, ...args });
}

async function simpleCaptureLifecycle(): Promise<void> {
  // timeScale 20: a simple capture's 5 emulated seconds of `pending` pass in 0.25 s.
  const env = await startBenchStack({ emulator: { timeScale: 20 } });
  const { stack } = env;
  const K = "PacketCapture simple";
  try {
    await measure(env, K, "create (no wait)", 1, "POST /pcaps", () =>
      stack.up(async () => void simple("sample")),
    );
    await measure(env, K, "no-op up", 0, "nothing changed", () =>
      stack.up(async () => void simple("sample")),
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // it is `success` by now
    await measure(env, K, "refresh", 1, "GET /pcaps/:id", () => stack.refresh());
    await measure(env, K, "update completionTimeoutSeconds", 0, "a provider-side setting", () =>
      stack.up(async () => void simple("sample", { completionTimeoutSeconds: 120 })),
    );
    await measure(env, K, "update waitForCompletion (already success)", 0, "stored status is final", () =>
      stack.up(async () => void simple("sample", { completionTimeoutSeconds: 120, waitForCompletion: true })),
    );
    await measure(env, K, "replace (filter)", 1, "POST /pcaps; the old simple capture needs no call", () =>
      stack.up(async () => void simple("sample", { filter: OTHER })),
    );
    await measure(env, K, "delete", 0, "nothing to call: the API keeps capture history", () =>
      stack.up(async () => undefined),
    );
    const ten = async () => {
      for (let i = 0; i < 10; i++) simple(`sample-${i}`);
    };
    await stack.up(ten);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await measure(
      env,
      "PacketCapture simple",
      "refresh of 10 captures",
      1,
      "GET /pcaps lists the newest 50 with status; GET by id only for any not listed",
      () => stack.refresh(),
    );
    await stack.destroy();
  } finally {
    await env.close();
  }
}

async function fullCaptureLifecycle(): Promise<void> {
  // timeScale 10 and a 3600 s time limit: a full capture keeps running for six real minutes.
  const env = await startBenchStack({ emulator: { timeScale: 10 } });
  const { stack, emulator } = env;
  const DEST = "s3://economy-full?region=us-east-1";
  const program =
    (captures: Record<string, Partial<PacketCaptureArgs>>, challenge = true) =>
    async () => {
      const bucket = new BucketOwnership("bucket", {
        destinationConf: DEST,
        ...(challenge ? { ownershipChallenge: pulumi.secret(emulator.readChallenge(DEST)) } : {}),
      });
      for (const [name, args] of Object.entries(captures)) {
        new PacketCapture(name, {
          type: "full",
          timeLimit: 3600,
          coloName: "ord02",
          destinationConf: bucket.destinationConf,
          filter: WEB,
          ...args,
        });
      }
    };
  const K = "PacketCapture full";
  try {
    await stack.up(program({}, false));
    await stack.up(program({}));
    const one = (args: Partial<PacketCaptureArgs> = {}) => program({ full: args });
    await measure(env, K, "create (no wait)", 1, "POST /pcaps", () => stack.up(one()), CAPTURE_ROUTES);
    await measure(env, K, "no-op up", 0, "nothing changed", () => stack.up(one()), CAPTURE_ROUTES);
    await measure(env, K, "refresh", 1, "GET /pcaps/:id", () => stack.refresh(), CAPTURE_ROUTES);
    await measure(
      env,
      K,
      "update stopped: true (running)",
      2,
      "PUT …/stop + GET (the 204 has no body; status and stop_requested change)",
      () => stack.up(one({ stopped: true })),
      CAPTURE_ROUTES,
    );
    await measure(
      env,
      K,
      "delete (stored as stopped)",
      0,
      "state says stop_requested: nothing left to stop",
      () => stack.up(program({})),
      CAPTURE_ROUTES,
    );
    await stack.up(one());
    await measure(
      env,
      K,
      "delete (running)",
      1,
      "PUT …/stop (a 400 would mean it had already stopped)",
      () => stack.up(program({})),
      CAPTURE_ROUTES,
    );
    await stack.up(one());
    await measure(
      env,
      K,
      "replace (filter; running, delete-before-replace)",
      2,
      "PUT …/stop of the old + POST the new",
      () => stack.up(one({ filter: OTHER })),
      CAPTURE_ROUTES,
    );
    await emulator.advance(4000); // let the last capture finish: `success`
    await stack.refresh();
    await measure(
      env,
      K,
      "delete (stored as success)",
      0,
      "a finished capture's status is final",
      () => stack.up(program({})),
      CAPTURE_ROUTES,
    );
    await stack.destroy();
  } finally {
    await env.close();
  }
}

async function refreshMany(): Promise<{ n: number; requests: Record<string, number>; refreshMs: number }> {
  const env = await startBenchStack({ emulator: { rateLimit: "100000/300" } });
  const { stack, emulator } = env;
  const n = 200;
  try {
    await stack.up(async () => {
      for (let i = 0; i < n; i++) {
        new BucketOwnership(`bucket-${i}`, { destinationConf: `s3://economy-many-${i}?region=us-east-1` });
      }
    });
    emulator.resetCounts();
    const started = performance.now();
    await stack.refresh();
    const refreshMs = performance.now() - started;
    const requests = routesOf(emulator.requestCounts(), ALL);
    rows.push({
      kind: "BucketOwnership",
      op: `refresh of ${n}`,
      requests: sum(requests),
      routes: requests,
      minimum: 1,
      why: "one GET /pcaps/ownership lists them all (not paginated)",
      atMinimum: sum(requests) <= 1,
    });
    await stack.destroy();
    return { n, requests, refreshMs: Math.round(refreshMs) };
  } finally {
    await env.close();
  }
}

// ---- waiting ----

interface WaitRun {
  durationS: number;
  polls: number;
  /** Seconds from the capture's submission to each poll. */
  pollTimesS: number[];
  completeAtS: number;
  detectedAtS: number;
  latencyS: number;
  ideal: number;
  ratio: number;
}

/** In a child process: one simple capture that completes `durationS` after submission, waited for. */
async function waitOnce(durationS: number): Promise<WaitRun> {
  const timeScale = 10 / durationS;
  const log: { at: number; route: string; status: number | string; durationMs: number }[] = [];
  const ref: { emulator?: EmulatorHandle } = {};
  let completeAt = 0;
  let submittedAt = 0;
  const env = await startBenchStack({
    emulator: {
      timeScale,
      log: (e) => {
        const at = performance.now();
        log.push({ at, route: e.route, status: e.status, durationMs: e.durationMs });
        if (e.route === "POST /pcaps" && e.status === 200 && ref.emulator) {
          // Pending lasts min(timeLimit, 10) = 10 emulated seconds from `submitted`.
          const capture = ref.emulator.captures()[0];
          const remainingEmulatedMs = Date.parse(capture.submitted!) + 10_000 - ref.emulator.now();
          submittedAt = at - e.durationMs;
          completeAt = at + remainingEmulatedMs / timeScale;
        }
      },
    },
  });
  ref.emulator = env.emulator;
  try {
    await env.stack.up(async () => void simple("waited", { timeLimit: 10, waitForCompletion: true }));
    if (env.stack.outputs("waited").status !== "success") {
      throw new Error(`the capture ended ${String(env.stack.outputs("waited").status)}`);
    }
    const polls = log.filter((e) => e.route === "GET /pcaps/:id");
    const pollTimesS = polls.map((p) => (p.at - p.durationMs - submittedAt) / 1000);
    const detectedAtS = pollTimesS[pollTimesS.length - 1];
    const completeAtS = (completeAt - submittedAt) / 1000;
    const latencyS = detectedAtS - completeAtS;
    const ideal = Math.ceil(completeAtS / latencyS);
    return {
      durationS,
      polls: polls.length,
      pollTimesS: pollTimesS.map((t) => round(t, 3)),
      completeAtS: round(completeAtS, 3),
      detectedAtS: round(detectedAtS, 3),
      latencyS: round(latencyS, 3),
      ideal,
      ratio: round(polls.length / ideal, 2),
    };
  } finally {
    await env.close();
  }
}

/**
 * For every capture duration D up to the last poll: polls spent and latency, from a schedule of poll
 * times. Returns the worst polls / ⌈D/L⌉ (a capture finishing just after a poll) and the mean over D.
 */
export function sweep(pollTimes: number[], from = 1, step = 0.01) {
  let worst = { ratio: 0, durationS: 0, polls: 0, latencyS: 0, ideal: 0 };
  let total = 0;
  let count = 0;
  const last = pollTimes[pollTimes.length - 1];
  for (let d = from; d < last; d += step) {
    const k = pollTimes.findIndex((t) => t >= d);
    const polls = k + 1;
    const latency = pollTimes[k] - d;
    const ideal = Math.max(1, Math.ceil(d / Math.max(latency, 1e-9)));
    const ratio = polls / ideal;
    total += ratio;
    count++;
    if (ratio > worst.ratio) worst = { ratio, durationS: d, polls, latencyS: latency, ideal };
  }
  return {
    worstRatio: round(worst.ratio, 2),
    worstAt: {
      durationS: round(worst.durationS, 2),
      polls: worst.polls,
      latencyS: round(worst.latencyS, 2),
      ideal: worst.ideal,
    },
    meanRatio: round(total / count, 2),
    rangeS: [from, round(last, 1)],
  };
}

/** Poll times of a schedule: first interval, then `next(interval)`, capped (ignores request time). */
function schedule(next: (interval: number) => number, until: number, first = 1, max = 10): number[] {
  const times: number[] = [];
  let t = 0;
  let interval = first;
  while (t < until) {
    t += interval;
    times.push(round(t, 3));
    interval = Math.min(max, next(interval));
  }
  return times;
}

const WAIT_DURATIONS = [5, 15, 30, 60];

async function run(): Promise<BenchResult> {
  if (process.env.BENCH_WAIT_DURATION) {
    const result = await waitOnce(Number(process.env.BENCH_WAIT_DURATION));
    return { bench: "economy-wait", figures: [], details: { wait: result } };
  }
  // Request counts first; then the waits, which take real time, in parallel child processes by themselves
  // (their latencies are timing-sensitive).
  await ownershipLifecycle();
  const many = await refreshMany();
  await validationLifecycle();
  await simpleCaptureLifecycle();
  await fullCaptureLifecycle();

  const waits = (
    await Promise.all(
      WAIT_DURATIONS.map((d) =>
        runChild<BenchResult>(__filename, { env: { BENCH_WAIT_DURATION: String(d) }, timeoutMs: 180_000 }),
      ),
    )
  ).map((r) => (r.details as { wait: WaitRun }).wait);
  const longest = waits[waits.length - 1];
  const measuredSweep = sweep(longest.pollTimesS);
  const current = sweep(schedule((i) => Math.round(i * 1.5 * 1000) / 1000, 300));
  const linear = sweep(schedule((i) => i + 1, 300));

  const opsAtMinimum = rows.filter((r) => r.atMinimum).length;
  const spent = (r: Row) =>
    Object.entries(r.routes)
      .map(([route, n]) => `${n}× ${route}`)
      .join(", ");
  const figures: Figure[] = [
    {
      bench: "2 economy",
      name: "operations at the API minimum",
      value: `${opsAtMinimum}/${rows.length}`,
      target: `${rows.length}/${rows.length}`,
      pass: opsAtMinimum === rows.length,
    },
    ...rows.map((r): Figure => ({
      bench: "2 economy",
      name: `  ${r.kind}: ${r.op}`,
      value: r.requests,
      target: `${r.minimum}`,
      pass: r.atMinimum,
      note: r.atMinimum ? r.why : `${r.why} — spent ${spent(r)}`,
    })),
    ...waits.map((w): Figure => ({
      bench: "2 economy",
      name: `  wait for a ${w.durationS} s capture: polls vs ⌈D/L⌉`,
      value: `${w.polls} vs ${w.ideal} (${w.ratio}×)`,
      target: "≤ 2×",
      pass: w.ratio <= 2,
      note: `detection latency L = ${w.latencyS} s`,
    })),
    {
      bench: "2 economy",
      name: `wait, worst case over D = ${measuredSweep.rangeS[0]}–${measuredSweep.rangeS[1]} s`,
      value: `${measuredSweep.worstRatio}×`,
      target: "≤ 2×",
      pass: measuredSweep.worstRatio <= 2,
      note:
        `measured poll times; at D = ${measuredSweep.worstAt.durationS} s: ${measuredSweep.worstAt.polls} polls ` +
        `vs ${measuredSweep.worstAt.ideal} (L = ${measuredSweep.worstAt.latencyS} s); mean over D ${measuredSweep.meanRatio}×`,
    },
    {
      bench: "2 economy",
      name: "  what-if: intervals 1, 2, 3 … 10 s (+1 s, not ×1.5)",
      value: `${linear.worstRatio}×`,
      note: `worst over D = 1–300 s; the ×1.5 schedule computed the same way: ${current.worstRatio}×`,
    },
  ];
  return {
    bench: "economy",
    figures,
    details: {
      operations: rows,
      refreshMany: many,
      waits,
      sweepMeasured: measuredSweep,
      sweepCurrentSchedule: current,
      sweepLinearSchedule: linear,
    },
  };
}

if (require.main === module) main(run);
