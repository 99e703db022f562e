/**
 * A stack of the engine stand-in wired to an emulator: the program directory resolves this package by
 * name (as a user's `node_modules` would), and the stack's config points the provider at the emulator.
 */
import { join, resolve } from "node:path";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../emulator";
import { Stack, type StackOptions } from "../engine";
import { ensurePackageLink as linkPackage } from "./package-link";

const REPO = resolve(__dirname, "../..");
export const PROGRAM_DIR = join(REPO, "tests/fixtures/pcap-program");

/**
 * The shims `require("pulumi-cloudflare-pcap/provider")` from the program directory; the plugin loads
 * them without a file name, so the package must be found through node_modules there (see package-link.ts).
 */
export function ensurePackageLink(programDir: string = PROGRAM_DIR): void {
  linkPackage(programDir);
}

export interface PcapStackOptions {
  emulator?: EmulatorOptions;
  /** Extra stack config (merged over the emulator's). */
  config?: StackOptions["config"];
  env?: Record<string, string>;
}

export interface PcapStack {
  stack: Stack;
  emulator: EmulatorHandle;
  close(): Promise<void>;
}

/** The stack config that points the provider at an emulator, with its credential as a secret. */
export function emulatorConfig(emulator: EmulatorHandle): NonNullable<StackOptions["config"]> {
  return {
    "cloudflare:apiToken": { secret: emulator.token },
    "cloudflare:baseUrl": emulator.url,
    "cloudflare-pcap:accountId": emulator.accountId,
    // The provider paces simple captures by the one-per-minute rule; the emulator's minute may be faster.
    "cloudflare-pcap:simpleCaptureIntervalSeconds": String(emulator.simpleCaptureIntervalRealSeconds),
  };
}

export async function startPcapStack(options: PcapStackOptions = {}): Promise<PcapStack> {
  ensurePackageLink();
  const emulator = await startEmulator({ simpleCaptureIntervalSeconds: 0, ...options.emulator });
  const stack = new Stack({
    programDir: PROGRAM_DIR,
    config: { ...emulatorConfig(emulator), ...options.config },
    env: { ...options.env },
  });
  return {
    stack,
    emulator,
    close: async () => {
      await stack.close();
      await emulator.close();
    },
  };
}

/** Total requests the emulator answered, across routes. */
export function totalRequests(emulator: EmulatorHandle): number {
  return Object.values(emulator.requestCounts()).reduce((a, b) => a + b, 0);
}
