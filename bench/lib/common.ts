/**
 * Shared plumbing of the benchmarks: where the package is, a program directory that resolves the package
 * by name (as a user's node_modules would), the emulator in-process or as its own process, and the shape
 * of a benchmark's result.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as readline from "node:readline";

/** The package root: the nearest directory above this file whose package.json is this package's. */
export const REPO: string = (() => {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "pulumi-cloudflare-pcap") return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no pulumi-cloudflare-pcap package.json above ${__dirname}`);
    dir = up;
  }
})();

export const RESULTS_DIR = join(REPO, "bench", "results");

/**
 * A throwaway Pulumi program directory (the plugin's working directory): a Pulumi.yaml and
 * node_modules/pulumi-cloudflare-pcap linked to this checkout, so the shims'
 * `require("pulumi-cloudflare-pcap/provider")` resolves to dist/ exactly as in a user's program.
 */
export function makeProgramDir(project = "pcap-bench"): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "pcap-bench-program-"));
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\n`);
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(REPO, join(dir, "node_modules", "pulumi-cloudflare-pcap"), "dir");
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One line of the summary table: a figure next to its target. */
export interface Figure {
  bench: string;
  name: string;
  value: number | string;
  unit?: string;
  target?: string;
  /** undefined: informational (no target). */
  pass?: boolean;
  /** How the figure was obtained, or what it is made of (the table's last column). */
  note?: string;
}

/** What a benchmark hands back to the runner. */
export interface BenchResult {
  bench: string;
  figures: Figure[];
  /** Everything measured, for the JSON file. */
  details: Record<string, unknown>;
}

/** An emulator in its own process (`node dist/emulator/cli.js`), so its CPU never shares the client's loop. */
export interface EmulatorProcess {
  url: string;
  token: string;
  accountId: string;
  pid: number;
  stop(): Promise<void>;
}

/** Preloaded into emulator processes: exit when this process's end of their stdin closes (even on a crash). */
const WATCHDOG = "data:text/javascript,process.stdin.on('end',()=>process.exit(0));process.stdin.resume();";

export async function startEmulatorProcess(args: string[]): Promise<EmulatorProcess> {
  const cli = join(REPO, "dist/emulator/cli.js");
  const child: ChildProcess = spawn(process.execPath, ["--import", WATCHDOG, cli, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines: string[] = [];
  const rl = readline.createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    rl.on("line", (line) => {
      lines.push(line);
      if (lines.length === 3) resolve();
    });
    child.once("exit", (code) => reject(new Error(`emulator exited (${code}): ${stderr.join("")}`)));
  });
  const url = /listening on (\S+)/.exec(lines[0])?.[1];
  const token = /^token: (\S+)/.exec(lines[1])?.[1];
  const accountId = /^account: (\S+)/.exec(lines[2])?.[1];
  if (!url || !token || !accountId) throw new Error(`unexpected emulator banner: ${lines.join(" | ")}`);
  return {
    url,
    token,
    accountId,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

/** Milliseconds since an hrtime origin. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Runs a benchmark module as the main of a child process: `run()` is awaited and its result sent to the
 * parent over IPC (or printed as JSON when started by hand).
 */
export function main(run: () => Promise<BenchResult>): void {
  run().then(
    (result) => {
      if (process.send) process.send({ ok: true, result }, () => process.exit(0));
      else {
        console.log(JSON.stringify(result, null, 2));
        process.exit(0);
      }
    },
    (err: unknown) => {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      if (process.send) process.send({ ok: false, error: message }, () => process.exit(1));
      else {
        console.error(message);
        process.exit(1);
      }
    },
  );
}

/** Runs a compiled module (one using {@link main}) in a child process and returns what it sent back. */
export function runChild<T = BenchResult>(
  modulePath: string,
  options: { args?: string[]; env?: Record<string, string>; execArgv?: string[]; timeoutMs?: number } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(modulePath, options.args ?? [], {
      env: { ...process.env, ...options.env },
      execArgv: options.execArgv ?? [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill("SIGKILL");
      reject(new Error(`${modulePath} did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 300_000);
    child.on("message", (message: { ok: boolean; result?: T; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (message.ok) resolve(message.result as T);
      else reject(new Error(message.error));
    });
    child.on("exit", (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${modulePath} exited (${code ?? signal}) without a result`));
    });
  });
}
