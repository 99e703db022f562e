/**
 * 3. Overhead of the provider path.
 *
 * What is compared, on loopback with no injected latency, the emulator in its own process:
 * - through the plugin: the SDK's dynamic-provider plugin (spawned as the engine does) is sent, per
 *   BucketOwnership, the Create RPC and then the Delete RPC with a real `__provider` of this package.
 *   Each RPC runs the provider (entry, input parsing, settings, rate limiter, client) and makes exactly
 *   one API call (POST /pcaps/ownership, DELETE /pcaps/ownership/:id);
 * - directly: the same two HTTP calls made by a loop over undici (keep-alive Agent, same headers and
 *   bodies, answer read and JSON-parsed).
 * Both one call at a time (the engine stand-in's steps are sequential) and 8 at a time (a parallel
 * engine). The figure is (provider operations per second) / (HTTP calls per second). The engine's Check
 * before each Create is not an API call; the rate with it is reported too. To tell the package's own cost
 * from the plugin's, the provider is also driven in this process through the shims' entry point
 * (`call`), with no plugin and no gRPC; a loop of Configure RPCs (which do nothing) gives the bare
 * gRPC round trip; and the client side's CPU time per operation is read from /proc. Spawning the plugin
 * and loading the provider are bench 6 (cold start), outside these loops.
 */
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "undici";
import { DynamicProviderPlugin } from "../tests/engine";
import {
  main,
  makeProgramDir,
  median,
  round,
  startEmulatorProcess,
  type BenchResult,
  type EmulatorProcess,
  type Figure,
} from "./lib/common";
import { packageProviderText } from "./lib/serialize";

const PAIRS = 200;
const WARMUP = 20;
const ROUNDS = 3;
const URN_PREFIX = "urn:pulumi:bench::pcap-bench::pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnership::";

async function inParallel(total: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

interface Loop {
  opsPerSecond: number;
  ms: number;
  ops: number;
  /** CPU time per operation of the client side: this process, plus the plugin process when it is used. */
  cpuUsPerOp?: number;
  /** The plugin process's part of it. */
  pluginCpuUsPerOp?: number;
}

const CLK_TCK = Number(execSync("getconf CLK_TCK", { encoding: "utf8" }).trim()) || 100;

/** CPU time (ms) a process has used so far, from /proc/<pid>/stat (utime + stime). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000;
}

/** Runs a loop and adds the client side's CPU time per operation (this process, and `pid` if given). */
async function withCpu(loop: () => Promise<Loop>, pid?: number): Promise<Loop> {
  const self = process.cpuUsage();
  const other = pid ? processCpuMs(pid) : 0;
  const result = await loop();
  const used = process.cpuUsage(self);
  const otherMs = pid ? processCpuMs(pid) - other : 0;
  return {
    ...result,
    cpuUsPerOp: Math.round((used.user + used.system + otherMs * 1000) / result.ops),
    ...(pid ? { pluginCpuUsPerOp: Math.round((otherMs * 1000) / result.ops) } : {}),
  };
}

async function pluginLoop(
  plugin: DynamicProviderPlugin,
  provider: string,
  tag: string,
  pairs: number,
  concurrency: number,
  withCheck: boolean,
): Promise<Loop> {
  const started = performance.now();
  await inParallel(pairs, concurrency, async (i) => {
    const urn = `${URN_PREFIX}${tag}-${i}`;
    let inputs: Record<string, string> = {
      __provider: provider,
      destinationConf: `s3://overhead-${tag}-${i}?region=us-east-1`,
    };
    if (withCheck) {
      const checked = await plugin.check(urn, {}, inputs);
      inputs = checked.inputs as Record<string, string>;
    }
    const created = await plugin.create(urn, inputs);
    await plugin.delete(urn, created.id, inputs, created.properties);
  });
  const ms = performance.now() - started;
  return { opsPerSecond: (pairs * 2 * 1000) / ms, ms: Math.round(ms), ops: pairs * 2 };
}

/**
 * The provider called in this process through the shims' entry point (`call`, which each of the seven
 * forwarders calls with its method's name), without the plugin.
 */
type Call = typeof import("../provider/entry").call;

async function inProcessLoop(call: Call, tag: string, pairs: number, concurrency: number): Promise<Loop> {
  const started = performance.now();
  await inParallel(pairs, concurrency, async (i) => {
    const inputs = { destinationConf: `s3://overhead-${tag}-${i}?region=us-east-1` };
    const created = await call("BucketOwnership", "create", [inputs]);
    await call("BucketOwnership", "delete", [created.id, created.outs]);
  });
  const ms = performance.now() - started;
  return { opsPerSecond: (pairs * 2 * 1000) / ms, ms: Math.round(ms), ops: pairs * 2 };
}

/** Configure RPCs, one at a time: the plugin only stores the config, so this is the bare gRPC round trip. */
async function roundTripLoop(plugin: DynamicProviderPlugin, config: Record<string, string>, n: number) {
  const started = performance.now();
  for (let i = 0; i < n; i++) await plugin.configure(config, config);
  return (performance.now() - started) / n;
}

async function undiciLoop(
  emulator: EmulatorProcess,
  agent: Agent,
  tag: string,
  pairs: number,
  concurrency: number,
): Promise<Loop> {
  const base = `${emulator.url}/accounts/${emulator.accountId}/pcaps/ownership`;
  const headers = {
    authorization: `Bearer ${emulator.token}`,
    accept: "application/json",
    "user-agent": "pulumi-cloudflare-pcap-bench",
  };
  const started = performance.now();
  await inParallel(pairs, concurrency, async (i) => {
    const created = await request(base, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ destination_conf: `s3://overhead-${tag}-${i}?region=us-east-1` }),
      dispatcher: agent,
    });
    const body = (await created.body.json()) as { success: boolean; result: { id: string } };
    if (created.statusCode !== 200 || !body.success) throw new Error(`POST answered ${created.statusCode}`);
    const deleted = await request(`${base}/${body.result.id}`, {
      method: "DELETE",
      headers,
      dispatcher: agent,
    });
    await deleted.body.text();
    if (deleted.statusCode !== 204) throw new Error(`DELETE answered ${deleted.statusCode}`);
  });
  const ms = performance.now() - started;
  return { opsPerSecond: (pairs * 2 * 1000) / ms, ms: Math.round(ms), ops: pairs * 2 };
}

async function run(): Promise<BenchResult> {
  const emulator = await startEmulatorProcess(["--rate-limit", "100000000/300"]);
  const program = makeProgramDir();
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 32 });
  const config = {
    "cloudflare:apiToken": emulator.token,
    "cloudflare:baseUrl": emulator.url,
    "cloudflare-pcap:accountId": emulator.accountId,
    "cloudflare-pcap:rateLimit": "100000000/300",
  };
  const spawnStarted = performance.now();
  const plugin = await DynamicProviderPlugin.start({
    cwd: program.dir,
    env: {
      PULUMI_NODEJS_PROJECT: "pcap-bench",
      PULUMI_PROJECT: "pcap-bench",
      PULUMI_CONFIG: JSON.stringify(config),
    },
  });
  const spawnMs = performance.now() - spawnStarted;
  // The stand-in keeps its child private; the pid is only read to account the plugin's CPU time.
  const pluginPid = (plugin as unknown as { child: { pid: number } }).child.pid;
  try {
    await plugin.configure(config, config);
    const provider = await packageProviderText("BucketOwnership");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { call } = require("pulumi-cloudflare-pcap/provider") as { call: Call };
    await call("BucketOwnership", "configure", [
      { config: { get: (k: string) => config[k as keyof typeof config] } },
    ]);
    // Warm both paths: the provider module loaded, connections open, JIT warm.
    await pluginLoop(plugin, provider, "warm", WARMUP, 1, true);
    await undiciLoop(emulator, agent, "warm", WARMUP, 1);
    await inProcessLoop(call, "warm", WARMUP, 1);

    const results: Record<string, Loop[]> = {};
    const roundTrips: number[] = [];
    const add = (key: string, loop: Loop) => (results[key] ??= []).push(loop);
    for (let r = 0; r < ROUNDS; r++) {
      roundTrips.push(await roundTripLoop(plugin, config, 2 * PAIRS));
      for (const c of [1, 8]) {
        add(`undici-c${c}`, await withCpu(() => undiciLoop(emulator, agent, `u${c}-${r}`, PAIRS, c)));
        add(`in-process-c${c}`, await withCpu(() => inProcessLoop(call, `i${c}-${r}`, PAIRS, c)));
        add(
          `plugin-c${c}`,
          await withCpu(() => pluginLoop(plugin, provider, `p${c}-${r}`, PAIRS, c, false), pluginPid),
        );
        add(`plugin+check-c${c}`, await pluginLoop(plugin, provider, `k${c}-${r}`, PAIRS, c, true));
      }
    }
    // Context: the same comparison with 20 ms of injected latency per request (an API far away).
    const far = await startEmulatorProcess(["--rate-limit", "100000000/300", "--latency", "20"]);
    const farConfig = {
      ...config,
      "cloudflare:apiToken": far.token,
      "cloudflare:baseUrl": far.url,
      "cloudflare-pcap:accountId": far.accountId,
    };
    const farPlugin = await DynamicProviderPlugin.start({
      cwd: program.dir,
      env: { PULUMI_NODEJS_PROJECT: "pcap-bench", PULUMI_PROJECT: "pcap-bench", PULUMI_CONFIG: "{}" },
    });
    try {
      await farPlugin.configure(farConfig, farConfig);
      await pluginLoop(farPlugin, provider, "far-warm", 5, 1, false);
      await undiciLoop(far, agent, "far-warm", 5, 1);
      add("undici-latency20-c1", await undiciLoop(far, agent, "far-u", 50, 1));
      add("plugin-latency20-c1", await pluginLoop(farPlugin, provider, "far-p", 50, 1, false));
    } finally {
      await farPlugin.close();
      await far.stop();
    }
    const rate = (key: string) => median(results[key].map((l) => l.opsPerSecond));
    const msPerOp = (key: string) => round(1000 / rate(key), 3);
    const cpuPerOp = (key: string) => Math.round(median(results[key].map((l) => l.cpuUsPerOp ?? NaN)));
    const pluginCpu = Math.round(median(results["plugin-c1"].map((l) => l.pluginCpuUsPerOp ?? NaN)));
    const summary = Object.fromEntries(Object.keys(results).map((k) => [k, round(rate(k), 1)]));
    const ratio1 = rate("plugin-c1") / rate("undici-c1");
    const ratio8 = rate("plugin-c8") / rate("undici-c8");
    const ratioCheck1 = rate("plugin+check-c1") / rate("undici-c1");
    const figures: Figure[] = [
      {
        bench: "3 overhead",
        name: "plugin ÷ undici, ops/s, one at a time",
        value: round(ratio1, 3),
        target: "≥ 0.8",
        pass: ratio1 >= 0.8,
        note: `${summary["plugin-c1"]} vs ${summary["undici-c1"]} /s: Create+Delete RPCs vs POST+DELETE`,
      },
      {
        bench: "3 overhead",
        name: "plugin ÷ undici, ops/s, 8 at a time",
        value: round(ratio8, 3),
        target: "≥ 0.8",
        pass: ratio8 >= 0.8,
        note: `${summary["plugin-c8"]} vs ${summary["undici-c8"]} /s`,
      },
      {
        bench: "3 overhead",
        name: "  with the engine's Check before each Create (1 at a time)",
        value: round(ratioCheck1, 3),
        note: `${summary["plugin+check-c1"]} /s`,
      },
      {
        bench: "3 overhead",
        name: "  provider in this process, no plugin ÷ undici (1 / 8)",
        value: `${round(rate("in-process-c1") / rate("undici-c1"), 3)} / ${round(rate("in-process-c8") / rate("undici-c8"), 3)}`,
        note: `${summary["in-process-c1"]} / ${summary["in-process-c8"]} /s: the package's own cost`,
      },
      {
        bench: "3 overhead",
        name: "  per operation, one at a time: HTTP / provider / plugin",
        value: `${msPerOp("undici-c1")} / ${msPerOp("in-process-c1")} / ${msPerOp("plugin-c1")} ms`,
        note: `a bare gRPC round trip to the plugin (Configure RPC, which does nothing): ${round(median(roundTrips), 3)} ms`,
      },
      {
        bench: "3 overhead",
        name: "  client-side CPU per operation: HTTP / provider / plugin",
        value: `${cpuPerOp("undici-c1")} / ${cpuPerOp("in-process-c1")} / ${cpuPerOp("plugin-c1")} µs`,
        note:
          `one at a time, emulator excluded; plugin = the plugin process ${pluginCpu} µs + ` +
          `the stand-in's gRPC client ${cpuPerOp("plugin-c1") - pluginCpu} µs`,
      },
      {
        bench: "3 overhead",
        name: "  context: 20 ms latency per request (1 at a time)",
        value: round(rate("plugin-latency20-c1") / rate("undici-latency20-c1"), 3),
        note: `${summary["plugin-latency20-c1"]} vs ${summary["undici-latency20-c1"]} /s`,
      },
      {
        bench: "3 overhead",
        name: "  plugin spawn → port (outside the loops)",
        value: `${Math.round(spawnMs)} ms`,
      },
    ];
    return {
      bench: "overhead",
      figures,
      details: {
        pairsPerRound: PAIRS,
        rounds: ROUNDS,
        opsPerSecondMedian: summary,
        grpcRoundTripMs: roundTrips,
        loops: results,
        spawnMs,
      },
    };
  } finally {
    await plugin.close();
    await agent.close();
    await emulator.stop();
    program.remove();
  }
}

if (require.main === module) main(run);
