/**
 * The emulator command: parse flags, start, print where it listens, run until told to stop. Takes its
 * streams and its shutdown signal as parameters so tests run it in-process and other commands reuse it.
 */
import { EMULATOR_PROGRAM, parseCliArgs, usage } from "./args";
import { startEmulator } from "./index";
import type { RequestLogEntry } from "./options";

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** What help and messages call this command; default `pcap-emulator`. */
  program?: string;
  /** Resolves when the emulator should stop; default: the first SIGINT or SIGTERM. */
  untilShutdown?: () => Promise<unknown>;
}

/** Exit codes: 0 clean stop (or --help), 1 could not start, 2 bad flags. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = io.program ?? EMULATOR_PROGRAM;
  const parsed = parseCliArgs(argv);
  if (parsed.kind === "help") {
    io.stdout.write(usage(program));
    return 0;
  }
  if (parsed.kind === "error") {
    io.stderr.write(`${program}: ${parsed.message}\n`);
    return 2;
  }
  const log = parsed.log
    ? (e: RequestLogEntry) => io.stderr.write(`${e.method} ${e.path} ${e.status} ${e.durationMs}ms\n`)
    : undefined;
  // Listen for the signal before anything is printed: a supervisor may send it as soon as it reads the
  // lines, and without a listener Node would die of it instead of closing cleanly.
  const shutdown = io.untilShutdown ? { done: io.untilShutdown(), dispose: () => undefined } : untilSignal();
  let emulator;
  try {
    emulator = await startEmulator({ ...parsed.options, ...(log ? { log } : {}) });
  } catch (error) {
    shutdown.dispose();
    io.stderr.write(`${program}: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  io.stdout.write(
    `PCAP API emulator listening on ${emulator.url}\ntoken: ${emulator.token}\naccount: ${emulator.accountId}\n`,
  );
  await shutdown.done;
  shutdown.dispose();
  await emulator.close();
  return 0;
}

function untilSignal(): { done: Promise<unknown>; dispose(): void } {
  let dispose = () => undefined as void;
  const done = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      dispose();
      resolve(signal);
    };
    dispose = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return { done, dispose };
}
