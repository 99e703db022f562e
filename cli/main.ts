#!/usr/bin/env node
/** The `pulumi-cloudflare-pcap` binary: wires {@link run} to the process. See run.ts. */
import { run } from "./run";
import { PROGRAM } from "./usage";

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
