/**
 * What every command gets from the outside world. `main.ts` wires it to `process`; tests pass strings
 * collectors, an env of their own and a working directory, so the whole CLI runs in-process.
 */
import { PcapError, PcapUsageError } from "../client";

export interface Writer {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  /** Credentials and defaults come from here only (the same variables as the provider). */
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal: progress is then one line redrawn in place. */
  isTTY?: boolean;
  /** Width of the terminal stdout writes to; tables shrink to fit it. Undefined: no limit. */
  columns?: number;
  /** Where relative output paths resolve; default `process.cwd()`. */
  cwd?: string;
  /** `emulator`: resolves when it should stop; default the first SIGINT or SIGTERM. */
  untilShutdown?: () => Promise<unknown>;
  /**
   * Calls `handler` on every Ctrl-C until the returned function is called; default: the process's
   * SIGINT. While a handler is registered Ctrl-C does not kill the process: the command decides.
   */
  onInterrupt?: (handler: () => void) => () => void;
  /** True when a person can answer a question: stdin and stderr are terminals. */
  interactive?: boolean;
  /**
   * Reads one line from stdin (without its newline); undefined at the end of input or once `signal`
   * aborts (the reader then lets go of stdin, so the process can exit).
   */
  readLine?: (signal: AbortSignal) => Promise<string | undefined>;
}

/** Subscribes to Ctrl-C through `io`, the process's SIGINT unless the caller injected its own. */
export function onInterrupt(io: CliIo, handler: () => void): () => void {
  return (io.onInterrupt ?? processInterrupts)(handler);
}

/** The process's SIGINT as {@link CliIo.onInterrupt}. */
export function processInterrupts(handler: () => void): () => void {
  process.on("SIGINT", handler);
  return () => process.removeListener("SIGINT", handler);
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line is wrong: reported with the usage line, exit 2. */
export class UsageError extends PcapUsageError {
  constructor(
    message: string,
    /** The command whose usage line to show; undefined = the top-level one. */
    readonly command?: string,
  ) {
    super("read the command line", message);
  }
}

/** The command could not do its job for a reason a person can act on (capture failed, not ready): exit 1. */
export class CommandError extends PcapError {
  constructor(command: string, message: string) {
    super(command, message);
  }
}
