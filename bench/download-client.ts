/**
 * Child process of bench 5: downloads one capture with `downloadPacketCapture` (the package's function,
 * as a program calls it; settings from the CLOUDFLARE_* environment) and reports its time and RSS.
 * RSS is sampled every 10 ms; the baseline is taken after the SDK and the provider modules are loaded,
 * right before the call, so the growth is what the download itself costs.
 */
import { downloadPacketCapture } from "pulumi-cloudflare-pcap";
import { main, type BenchResult } from "./lib/common";

/**
 * What-if (BENCH_WHATIF=write-buffer): the file stream of client/download.ts gets a 1 MiB
 * highWaterMark instead of the default 16 KiB. Patched at run time on the `fs` module object, which
 * dist/client/download.js reads at call time; only the download's own stream (flags "wx") is changed.
 */
function patchWriteBuffer(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require("node:fs") as typeof import("node:fs");
  const original = fs.createWriteStream;
  fs.createWriteStream = ((path: string, options?: { flags?: string }) =>
    original(
      path,
      options?.flags === "wx" ? { ...options, highWaterMark: 1 << 20 } : options,
    )) as typeof fs.createWriteStream;
}

async function run(): Promise<BenchResult> {
  const [id, path] = process.argv.slice(2);
  if (process.env.BENCH_WHATIF === "write-buffer") patchWriteBuffer();
  // downloadPacketCapture loads the provider module on first use: load it before the baseline.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("pulumi-cloudflare-pcap/provider");
  global.gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  const result = await downloadPacketCapture({ id, path });
  const ms = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    bench: "download-client",
    figures: [],
    details: {
      bytes: result.bytes,
      packets: result.packets,
      ms,
      baselineRss,
      peakRss,
      // The kernel's high-water mark for the whole process (what /usr/bin/time -v reports), in bytes.
      maxRss: process.resourceUsage().maxRSS * 1024,
    },
  };
}

if (require.main === module) main(run);
