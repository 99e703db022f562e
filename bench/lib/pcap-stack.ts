/**
 * A stack of the engine stand-in (tests/engine) wired to an in-process emulator, the way the resource
 * tests do it, but over the built package (dist/) resolved by name from a throwaway program directory.
 */
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "pulumi-cloudflare-pcap/emulator";
import { Stack, type StackOptions } from "../../tests/engine";
import { makeProgramDir } from "./common";

export interface BenchStack {
  stack: Stack;
  emulator: EmulatorHandle;
  programDir: string;
  close(): Promise<void>;
}

export async function startBenchStack(
  options: { emulator?: EmulatorOptions; config?: StackOptions["config"]; env?: Record<string, string> } = {},
): Promise<BenchStack> {
  const program = makeProgramDir();
  const emulator = await startEmulator({ simpleCaptureIntervalSeconds: 0, ...options.emulator });
  const stack = new Stack({
    programDir: program.dir,
    config: {
      "cloudflare:apiToken": { secret: emulator.token },
      "cloudflare:baseUrl": emulator.url,
      "cloudflare-pcap:accountId": emulator.accountId,
      "cloudflare-pcap:simpleCaptureIntervalSeconds": String(emulator.simpleCaptureIntervalRealSeconds),
      ...options.config,
    },
    env: { ...options.env },
  });
  return {
    stack,
    emulator,
    programDir: program.dir,
    close: async () => {
      await stack.close();
      await emulator.close();
      program.remove();
    },
  };
}
