#!/usr/bin/env node
/** `node dist/emulator/cli.js [flags]` (or `npm run emulator -- [flags]`); see run.ts and README.md. */
import { runCli } from "./run";

if (require.main === module) {
  void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
    process.exitCode = code;
  });
}
