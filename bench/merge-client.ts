/**
 * Child process of the merge benchmark: merges the parts named on the command line into the output with
 * `mergePcapFiles` (the package's function, as a program calls it) and reports its time and memory: the
 * kernel's high-water mark of the whole process (maxRSS, what /usr/bin/time -v reports) and the
 * baseline right before the call, after the module is loaded.
 */
import { mergePcapFiles } from "pulumi-cloudflare-pcap/client";
import { main, type BenchResult } from "./lib/common";

async function run(): Promise<BenchResult> {
  const [output, ...parts] = process.argv.slice(2);
  global.gc?.();
  const baselineRss = process.memoryUsage().rss;
  const started = performance.now();
  const result = await mergePcapFiles(parts, output);
  const ms = performance.now() - started;
  return {
    bench: "merge-client",
    figures: [],
    details: {
      bytes: result.bytes,
      packets: result.packets,
      ms,
      baselineRss,
      maxRss: process.resourceUsage().maxRSS * 1024,
    },
  };
}

if (require.main === module) main(run);
