/**
 * `emulator [flags]`: exactly `npm run emulator -- [flags]`: the emulator's own command (same flags,
 * same three stdout lines, runs until SIGINT or SIGTERM), naming itself as we are installed.
 */
import { runCli } from "../../emulator/run";
import type { CliIo } from "../io";

/** @param program what its help and messages call it, e.g. `pulumi-cloudflare-pcap emulator`. */
export function emulator(argv: string[], io: CliIo, program: string): Promise<number> {
  return runCli(argv, {
    stdout: io.stdout,
    stderr: io.stderr,
    program,
    ...(io.untilShutdown ? { untilShutdown: io.untilShutdown } : {}),
  });
}
