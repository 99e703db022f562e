/**
 * The examples through the engine stand-in against an emulator: each example folder is the program
 * directory (the plugin's cwd), and its program function is loaded only after `examples/node_modules`
 * links this package, since the examples import it by name as users do.
 */
import { join } from "node:path";
import type { EmulatorHandle } from "../../emulator";
import { Stack, type ConfigValue } from "../engine";
import { ensurePackageLink, repoRoot } from "../support/package-link";
import { emulatorConfig } from "../support/pcap-stack";

export const EXAMPLES_DIR = join(repoRoot(), "examples");

export function exampleDir(name: string): string {
  return join(EXAMPLES_DIR, name);
}

/** Loads an example's module (e.g. `quickstart/program`) once `pulumi-cloudflare-pcap` resolves from there. */
export function loadExample<T>(modulePath: string): T {
  ensurePackageLink(EXAMPLES_DIR);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- after the link exists, not at import time
  return require(join(EXAMPLES_DIR, modulePath)) as T;
}

/** A stack of an example, configured for the emulator; `config` keys without a namespace are the example's. */
export function exampleStack(
  name: string,
  emulator: EmulatorHandle,
  config: Record<string, ConfigValue> = {},
  stateFile?: string,
): Stack {
  return new Stack({
    programDir: exampleDir(name),
    config: { ...emulatorConfig(emulator), ...config },
    stateFile,
  });
}

/** Nothing registered and nothing running: what every example must leave after destroy. */
export async function emulatorIsEmpty(emulator: EmulatorHandle) {
  await emulator.advance(0);
  return {
    ownerships: emulator.ownerships(),
    activeCaptures: emulator.captures().filter((c) => c.status === "pending" || c.status === "running"),
  };
}
