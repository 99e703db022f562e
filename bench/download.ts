/**
 * 5. Download.
 *
 * A 1 GiB simple-capture file (emulator `--download-bytes 1073741824`) downloaded by
 * `downloadPacketCapture` (in a child process, as a program would call it) and by `curl`, from the same
 * endpoint of an emulator running in its own process, each writing a file to the same directory.
 * Alternating runs; the medians are compared. RSS: the client's growth over its baseline (SDK and provider
 * loaded, right before the call): the kernel's high-water mark (maxRSS, as /usr/bin/time -v reports it)
 * and 10 ms samples. A what-if run gives the download's file stream a 1 MiB buffer (a proposed change).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { request } from "undici";
import {
  main,
  median,
  round,
  runChild,
  startEmulatorProcess,
  type BenchResult,
  type Figure,
} from "./lib/common";

const BYTES = 1024 ** 3;
const ROUNDS = 5;
const MiB = 1024 ** 2;

interface ClientRun {
  bytes: number;
  packets: number;
  ms: number;
  baselineRss: number;
  peakRss: number;
  maxRss: number;
}

function curl(url: string, token: string, file: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const args = ["-sS", "--fail", "-o", file, "-H", `Authorization: Bearer ${token}`];
    args.push("-w", "%{size_download} %{time_total}", url);
    const child = spawn("curl", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${err}`));
      const [bytes, seconds] = out.trim().split(" ").map(Number);
      resolve({ bytes, ms: seconds * 1000 });
    });
  });
}

async function run(): Promise<BenchResult> {
  const emulator = await startEmulatorProcess([
    "--download-bytes",
    String(BYTES),
    "--simple-capture-interval",
    "0",
    "--time-scale",
    "1000",
    "--rate-limit",
    "100000/300",
  ]);
  const dir = mkdtempSync(join(tmpdir(), "pcap-bench-download-"));
  try {
    const headers = { authorization: `Bearer ${emulator.token}`, "content-type": "application/json" };
    const base = `${emulator.url}/accounts/${emulator.accountId}/pcaps`;
    const created = await request(base, {
      method: "POST",
      headers,
      body: JSON.stringify({ system: "magic-transit", type: "simple", time_limit: 10, packet_limit: 10000 }),
    });
    const id = ((await created.body.json()) as { result: { id: string } }).result.id;
    for (;;) {
      const answer = await request(`${base}/${id}`, { headers });
      const status = ((await answer.body.json()) as { result: { status: string } }).result.status;
      if (status === "success") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const url = `${base}/${id}/download`;
    const curlRuns: { ms: number; bytes: number }[] = [];
    const clientRuns: ClientRun[] = [];
    const whatIfRuns: ClientRun[] = [];
    const client = async (file: string, whatIf: boolean): Promise<ClientRun> => {
      const result = await runChild<BenchResult>(join(__dirname, "download-client.js"), {
        args: [id, file],
        env: {
          CLOUDFLARE_BASE_URL: emulator.url,
          CLOUDFLARE_API_TOKEN: emulator.token,
          CLOUDFLARE_ACCOUNT_ID: emulator.accountId,
          ...(whatIf ? { BENCH_WHATIF: "write-buffer" } : {}),
        },
        execArgv: ["--expose-gc"],
      });
      const run = result.details as unknown as ClientRun;
      if (statSync(file).size !== run.bytes) throw new Error("the client wrote a different size");
      rmSync(file);
      return run;
    };
    for (let r = 0; r < ROUNDS; r++) {
      const curlFile = join(dir, `curl-${r}.pcap`);
      curlRuns.push(await curl(url, emulator.token, curlFile));
      if (statSync(curlFile).size !== curlRuns[r].bytes) throw new Error("curl wrote a different size");
      rmSync(curlFile);
      clientRuns.push(await client(join(dir, `client-${r}.pcap`), false));
      whatIfRuns.push(await client(join(dir, `whatif-${r}.pcap`), true));
    }
    if (curlRuns.some((c) => c.bytes !== clientRuns[0].bytes)) throw new Error("sizes differ between runs");
    const bytes = clientRuns[0].bytes;
    const curlMiBs = median(curlRuns.map((c) => bytes / MiB / (c.ms / 1000)));
    const clientMiBs = median(clientRuns.map((c) => bytes / MiB / (c.ms / 1000)));
    const ratio = clientMiBs / curlMiBs;
    const growthMax = Math.max(...clientRuns.map((c) => c.maxRss - c.baselineRss)) / MiB;
    const whatIfMiBs = median(whatIfRuns.map((c) => bytes / MiB / (c.ms / 1000)));
    const whatIfGrowth = Math.max(...whatIfRuns.map((c) => c.maxRss - c.baselineRss)) / MiB;
    const growthSampled = Math.max(...clientRuns.map((c) => c.peakRss - c.baselineRss)) / MiB;
    const figures: Figure[] = [
      {
        bench: "5 download",
        name: "1 GiB: downloadPacketCapture ÷ curl throughput",
        value: round(ratio, 3),
        target: "≥ 0.9",
        pass: ratio >= 0.9,
        note: `${round(clientMiBs, 0)} vs ${round(curlMiBs, 0)} MiB/s, medians of ${ROUNDS} alternating runs`,
      },
      {
        bench: "5 download",
        name: "client peak RSS growth",
        value: `${round(growthMax, 1)} MiB`,
        target: "≤ 64",
        pass: growthMax <= 64,
        note: `maxRSS − baseline, worst run (10 ms samples: ${round(growthSampled, 1)}); baseline ${round(clientRuns[0].baselineRss / MiB, 0)} MiB`,
      },
      {
        bench: "5 download",
        name: "  what-if: 1 MiB write buffer in streamDownload, ÷ curl",
        value: round(whatIfMiBs / curlMiBs, 3),
        note: `${round(whatIfMiBs, 0)} MiB/s; RSS growth ${round(whatIfGrowth, 1)} MiB`,
      },
    ];
    return {
      bench: "download",
      figures,
      details: {
        bytes,
        packets: clientRuns[0].packets,
        curlRuns,
        clientRuns,
        whatIfWriteBufferRuns: whatIfRuns,
        curlMiBs,
        clientMiBs,
        whatIfMiBs,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emulator.stop();
  }
}

if (require.main === module) main(run);
