/**
 * `npm run demo`: builds (see package.json), then runs this file's compiled JavaScript.
 *
 *   npm run demo                       the Pulumi CLI if `pulumi` is on PATH, else the engine stand-in
 *   npm run demo -- --stand-in         always the engine stand-in
 *   npm run demo -- --cli              always the Pulumi CLI (fails without it)
 *   npm run demo -- --data-dir <dir>   the emulator's data directory (default .pcap-emulator/demo)
 *
 * Exits 0 when every step and check succeeded, 1 otherwise, 2 on a bad flag.
 */
import { join, resolve } from "node:path";
import { ensurePackageLink, repoRoot } from "../../tests/support/package-link";

const USAGE = "usage: npm run demo [-- --stand-in | --cli] [--data-dir <dir>]";

function parseArgs(argv: string[]): { engine: "auto" | "cli" | "stand-in"; dataDir: string } | string {
  let engine: "auto" | "cli" | "stand-in" = "auto";
  let dataDir = join(repoRoot(), ".pcap-emulator", "demo");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--stand-in") engine = "stand-in";
    else if (arg === "--cli") engine = "cli";
    else if (arg === "--data-dir" && argv[i + 1] !== undefined) dataDir = resolve(argv[++i]);
    else return `unknown or incomplete option "${arg}"\n${USAGE}`;
  }
  return { engine, dataDir };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === "string") {
    console.error(args);
    return 2;
  }
  // The example and its plugin load `pulumi-cloudflare-pcap` by name, as in a user's project: link it
  // for the examples folder before anything imports it.
  ensurePackageLink(join(repoRoot(), "examples"));
  const { runDemo } = await import("./demo");
  try {
    await runDemo({ engine: args.engine, dataDir: args.dataDir });
    return 0;
  } catch (err) {
    console.error("");
    console.error(`Demo FAILED: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
