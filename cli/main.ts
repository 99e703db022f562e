#!/usr/bin/env node
/** The `pulumi-cloudflare-pcap` binary: wires {@link run} to the process. See run.ts. */
import { createInterface } from "node:readline";
import { processInterrupts } from "./io";
import { run } from "./run";
import { PROGRAM } from "./usage";

/** One line from stdin (the answer to "stop capture …? [y/N]"), letting go of stdin afterwards. */
function readLine(signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    let settled = false;
    const finish = (line?: string) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", abandon);
      lines.close();
      resolve(line);
    };
    const abandon = () => finish(undefined);
    lines.once("line", finish);
    lines.once("close", abandon);
    signal.addEventListener("abort", abandon, { once: true });
  });
}

if (require.main === module) {
  // `list | head` closes the pipe early: that is the reader's choice, not a crash to report.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
  run(
    process.argv.slice(2),
    {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      isTTY: process.stderr.isTTY === true,
      // Only a terminal has a width to fit; piped output keeps whole cells.
      columns: process.stdout.isTTY ? process.stdout.columns : undefined,
      // Ctrl-C is the command's to handle while it follows or saves a capture (run.ts' commands
      // subscribe through this); outside those, it ends the process as usual.
      onInterrupt: processInterrupts,
      interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
      readLine,
    },
    PROGRAM,
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
