/**
 * `emulator [flags]`: exactly `npm run emulator -- [flags]`: the emulator's own command (same flags,
 * same three stdout lines, runs until SIGINT or SIGTERM), with its name in messages replaced by ours.
 */
import { runCli } from "../../../emulator/run";
import type { CliIo, Writer } from "../io";
import { EMULATOR_PROGRAM } from "../usage";

export function emulator(argv: string[], io: CliIo): Promise<number> {
  return runCli(argv, {
    stdout: renamed(io.stdout),
    stderr: renamed(io.stderr),
    ...(io.untilShutdown ? { untilShutdown: io.untilShutdown } : {}),
  });
}

/** "Usage: pcap-emulator …" and "pcap-emulator: <error>" would name a binary this package does not install. */
function renamed(out: Writer): Writer {
  return {
    write: (text) => out.write(text.replace(/^(Usage: )?pcap-emulator\b/gm, `$1${EMULATOR_PROGRAM}`)),
  };
}
