/**
 * 6. Cold start.
 *
 * The SDK's dynamic-provider plugin spawned as the engine (and tests/engine/plugin.ts) does it; timed
 * from spawn to the port line (the plugin's own start: Node, @pulumi/pulumi, gRPC server), then Configure
 * and the first Check of a BucketOwnership with this package's real `__provider`. That first Check is
 * where the provider is loaded: the plugin deserializes the shim, calls its configure(), which
 * `require`s pulumi-cloudflare-pcap/provider, then check(). Median of 10, one at a time.
 *
 * Also, in a fresh `node` per run: the time to `require` undici, zod, then the provider module, so the
 * module load can be told apart from the RPCs; and a what-if series where the provider's HTTP layer
 * loads undici on its first request (lib/lazy-undici.ts, preloaded with NODE_OPTIONS).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DynamicProviderPlugin } from "../tests/engine";
import { main, makeProgramDir, median, round, type BenchResult, type Figure } from "./lib/common";
import { packageProviderText } from "./lib/serialize";

const RUNS = 10;
const URN = "urn:pulumi:bench::pcap-bench::pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnership::cold";

interface ColdRun {
  portMs: number;
  configureMs: number;
  firstCheckMs: number;
  /** Port line to the first Check's answer: the provider's part. */
  providerMs: number;
  totalMs: number;
}

const LOAD_SCRIPT = `
const t = () => Number(process.hrtime.bigint()) / 1e6;
const fromPackage = require("node:module").createRequire(require.resolve("pulumi-cloudflare-pcap/package.json"));
const t0 = t(); fromPackage("undici"); const t1 = t(); fromPackage("zod"); const t2 = t();
require("pulumi-cloudflare-pcap/provider"); const t3 = t();

console.log(JSON.stringify({ undiciMs: t1 - t0, zodMs: t2 - t1, providerRestMs: t3 - t2, providerTotalMs: t3 - t0 }));
`;

async function coldRuns(
  programDir: string,
  provider: string,
  config: Record<string, string>,
  env: Record<string, string>,
): Promise<ColdRun[]> {
  const runs: ColdRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const plugin = await DynamicProviderPlugin.start({ cwd: programDir, env });
    const tPort = performance.now();
    try {
      await plugin.configure(config, config);
      const tConfigured = performance.now();
      const checked = await plugin.check(
        URN,
        {},
        { __provider: provider, destinationConf: "s3://cold-start?region=us-east-1" },
      );
      const tChecked = performance.now();
      if (checked.failures.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      runs.push({
        portMs: tPort - t0,
        configureMs: tConfigured - tPort,
        firstCheckMs: tChecked - tConfigured,
        providerMs: tChecked - tPort,
        totalMs: tChecked - t0,
      });
    } finally {
      await plugin.close();
    }
  }
  return runs;
}

async function run(): Promise<BenchResult> {
  const program = makeProgramDir();
  const provider = await packageProviderText("BucketOwnership");
  const config = {
    "cloudflare:apiToken": "0123456789abcdef0123456789abcdef01234567",
    "cloudflare:baseUrl": "http://127.0.0.1:9/client/v4",
    "cloudflare-pcap:accountId": "0123456789abcdef0123456789abcdef",
  };
  const env = {
    PULUMI_NODEJS_PROJECT: "pcap-bench",
    PULUMI_PROJECT: "pcap-bench",
    PULUMI_CONFIG: JSON.stringify(config),
  };
  let runs: ColdRun[];
  let lazyRuns: ColdRun[];
  const loads: Record<string, number>[] = [];
  try {
    runs = await coldRuns(program.dir, provider, config, env);
    // What-if: undici loaded on first HTTP request instead of with the provider module.
    const preload = join(__dirname, "lib", "lazy-undici.js");
    lazyRuns = await coldRuns(program.dir, provider, config, {
      ...env,
      NODE_OPTIONS: `--require ${preload}`,
    });
    for (let i = 0; i < RUNS; i++) {
      const out = spawnSync(process.execPath, ["-e", LOAD_SCRIPT], { cwd: program.dir, encoding: "utf8" });
      if (out.status !== 0) throw new Error(`module load script failed: ${out.stderr}`);
      loads.push(JSON.parse(out.stdout) as Record<string, number>);
    }
  } finally {
    program.remove();
  }
  const med = (key: keyof ColdRun, from = runs) => round(median(from.map((r) => r[key])), 1);
  const loadMed = (key: string) => round(median(loads.map((l) => l[key])), 1);
  const figures: Figure[] = [
    {
      bench: "6 cold start",
      name: `port line → first Check answered, median of ${RUNS}`,
      value: `${med("providerMs")} ms`,
      target: "≤ 300",
      pass: med("providerMs") <= 300,
      note: `Configure RPC ${med("configureMs")} + first Check ${med("firstCheckMs")} (provider load, configure, check)`,
    },
    {
      bench: "6 cold start",
      name: "  plugin's own start: spawn → port line",
      value: `${med("portMs")} ms`,
    },
    {
      bench: "6 cold start",
      name: "  spawn → first Check answered",
      value: `${med("totalMs")} ms`,
    },
    {
      bench: "6 cold start",
      name: "  require provider module in a fresh node",
      value: `${loadMed("providerTotalMs")} ms`,
      note: `undici ${loadMed("undiciMs")}, zod ${loadMed("zodMs")}, the package's own modules ${loadMed("providerRestMs")}`,
    },
    {
      bench: "6 cold start",
      name: "  what-if: undici loaded on first HTTP request",
      value: `${med("providerMs", lazyRuns)} ms`,
      note: `port line → first Check, median of ${RUNS} (Check needs no HTTP)`,
    },
  ];
  return { bench: "cold-start", figures, details: { runs, lazyUndiciRuns: lazyRuns, moduleLoads: loads } };
}

if (require.main === module) main(run);
