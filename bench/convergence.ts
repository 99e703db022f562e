/**
 * 1. Convergence under the real rate limit.
 *
 * `up` then `destroy` of N = 200 BucketOwnerships through the engine stand-in (the SDK's own plugin over
 * gRPC) against the in-process emulator, with Cloudflare's 1200 requests / 300 s scaled 20× faster
 * (1200 / 15 s). Requests needed = what the emulator actually served (requestCounts); floor = requests
 * / allowed rate; the figure is wall time / floor, with the number of 429s served.
 *
 * Scenarios:
 * - limited: the client's budget (`cloudflare-pcap:rateLimit`) equals the server's;
 * - anchor:  the client's budget far above the server's, so only the server's lockout (429 971 +
 *            retry-after) can pace the deployment;
 * - the same two with a budget that binds (100 / 2.5 s: 40 requests/s, below the stand-in's own pace),
 *   because 200 creates + 200 deletes never fill a 1200-request window;
 * - what-if: "limited" with the SDK's provider shim memoized per kind (a proposed change), in its own
 *   process.
 */
import { BucketOwnership } from "pulumi-cloudflare-pcap";
import { main, round, runChild, sum, type BenchResult, type Figure } from "./lib/common";
import { startBenchStack } from "./lib/pcap-stack";
import { installPluginTiming, takePluginTimings } from "./lib/plugin-timing";
import { memoizeProviderShim } from "./lib/whatif";

const N = 200;

interface Scenario {
  name: string;
  server: string;
  client: string;
}

const SCENARIOS: Scenario[] = [
  { name: "limited", server: "1200/15", client: "1200/15" },
  { name: "anchor", server: "1200/15", client: "1000000/15" },
  { name: "limited-binding", server: "100/2.5", client: "100/2.5" },
  { name: "anchor-binding", server: "100/2.5", client: "1000000/2.5" },
];

function perSecond(limit: string): number {
  const [requests, seconds] = limit.split("/").map(Number);
  return requests / seconds;
}

async function runScenario(scenario: Scenario) {
  /** When each 429 was served, and in which operation. */
  const refused: { phase: string; atMs: number }[] = [];
  let phase = "up";
  let phaseStarted = performance.now();
  const env = await startBenchStack({
    emulator: {
      rateLimit: scenario.server,
      log: (entry) => {
        if (entry.status === 429) refused.push({ phase, atMs: Math.round(performance.now() - phaseStarted) });
      },
    },
    config: { "cloudflare-pcap:rateLimit": scenario.client },
  });
  try {
    const program = async () => {
      for (let i = 0; i < N; i++) {
        new BucketOwnership(`bucket-${i}`, { destinationConf: `s3://bench-bucket-${i}?region=us-east-1` });
      }
    };
    takePluginTimings();
    let started = performance.now();
    phaseStarted = started;
    const up = await env.stack.up(program);
    const upMs = performance.now() - started;
    const upPlugin = takePluginTimings();
    if (up.summary.create !== N) throw new Error(`up created ${JSON.stringify(up.summary)}`);
    started = performance.now();
    phase = "destroy";
    phaseStarted = started;
    const destroy = await env.stack.destroy();
    const destroyMs = performance.now() - started;
    const destroyPlugin = takePluginTimings();
    if (destroy.summary.delete !== N) throw new Error(`destroy did ${JSON.stringify(destroy.summary)}`);
    if (env.emulator.ownerships().length !== 0) throw new Error("ownerships left after destroy");

    const requests = env.emulator.requestCounts();
    const statuses = env.emulator.statusCounts();
    const served = sum(requests);
    const floorMs = (served / perSecond(scenario.server)) * 1000;
    const wallMs = upMs + destroyMs;
    const rateLimitedLog = [...up.log, ...destroy.log].filter((l) => /rate limited/.test(l)).length;
    return {
      ...scenario,
      n: N,
      wallMs: Math.round(wallMs),
      upMs: Math.round(upMs),
      destroyMs: Math.round(destroyMs),
      requests,
      requestsServed: served,
      statuses,
      served429: statuses["429"] ?? 0,
      refused,
      floorMs: Math.round(floorMs),
      ratio: round(wallMs / floorMs, 3),
      clientRateLimitedRetries: rateLimitedLog,
      plugin: { up: upPlugin, destroy: destroyPlugin },
    };
  } finally {
    await env.close();
  }
}

type ScenarioResult = Awaited<ReturnType<typeof runScenario>>;

async function run(): Promise<BenchResult> {
  installPluginTiming();
  if (process.env.BENCH_WHATIF === "memo-shim") {
    memoizeProviderShim();
    const result = await runScenario({ name: "limited+memo-shim", server: "1200/15", client: "1200/15" });
    return { bench: "convergence-whatif", figures: [], details: { scenario: result } };
  }
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) results.push(await runScenario(scenario));
  const whatIf = await runChild<BenchResult>(__filename, { env: { BENCH_WHATIF: "memo-shim" } });
  const memo = (whatIf.details as { scenario: ScenarioResult }).scenario;
  const by = (name: string) => results.find((r) => r.name === name)!;
  const limited = by("limited");
  const anchor = by("anchor");
  const limitedBinding = by("limited-binding");
  const anchorBinding = by("anchor-binding");

  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const where = (r: ScenarioResult) =>
    r.refused.length
      ? ` (${r.refused.map((x) => `${x.phase} +${(x.atMs / 1000).toFixed(2)} s`).join(", ")})`
      : "";
  const perCall = (r: ScenarioResult) =>
    `check ${r.plugin.up.check?.msPerCall} ms, create ${r.plugin.up.create?.msPerCall} ms, ` +
    `delete ${r.plugin.destroy.delete?.msPerCall} ms`;
  const figures: Figure[] = [
    {
      bench: "1 convergence",
      name: `N=${N} up+destroy at 1200/15 s: wall ÷ floor`,
      value: `${limited.ratio}×`,
      target: "≤ 1.15",
      pass: limited.ratio <= 1.15,
      note:
        `wall ${s(limited.wallMs)} (up ${s(limited.upMs)} + destroy ${s(limited.destroyMs)}); ` +
        `floor ${s(limited.floorMs)} = ${limited.requestsServed} requests ÷ 80/s`,
    },
    {
      bench: "1 convergence",
      name: "429s served (client budget 1200/15)",
      value: limited.served429,
      target: "0",
      pass: limited.served429 === 0,
    },
    {
      bench: "1 convergence",
      name: "  plugin per step (limited run)",
      value: perCall(limited),
      note: `plugin spawn: ${s(limited.plugin.up.spawn?.totalMs ?? 0)} in up (while the program runs), ${s(limited.plugin.destroy.spawn?.totalMs ?? 0)} in destroy`,
    },
    {
      bench: "1 convergence",
      name: "  lockout anchor (client budget 1e6/15): wall ÷ floor",
      value: `${anchor.ratio}×`,
      note: `${anchor.served429} × 429: ${anchor.requestsServed} requests never fill a 1200-request window`,
    },
    {
      bench: "1 convergence",
      name: "  budget that binds, 100/2.5 s: limited wall ÷ floor",
      value: `${limitedBinding.ratio}×`,
      note:
        `${limitedBinding.served429} × 429${where(limitedBinding)}; ` +
        `wall ${s(limitedBinding.wallMs)}, floor ${s(limitedBinding.floorMs)}`,
    },
    {
      bench: "1 convergence",
      name: "  budget that binds, 100/2.5 s: lockout anchor",
      value: `${anchorBinding.ratio}×`,
      note: `${anchorBinding.served429} × 429${where(anchorBinding)}; wall ${s(anchorBinding.wallMs)}`,
    },
    {
      bench: "1 convergence",
      name: "  what-if: provider shim memoized per kind",
      value: `${memo.ratio}×`,
      note: `wall ${s(memo.wallMs)}; plugin spawn in up ${s(memo.plugin.up.spawn?.totalMs ?? 0)}`,
    },
  ];
  return {
    bench: "convergence",
    figures,
    details: { scenarios: results, whatIfMemoizedShim: memo },
  };
}

if (require.main === module) main(run);
