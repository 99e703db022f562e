/**
 * Makes `pulumi-cloudflare-pcap` resolvable by name from a directory, as a user's `node_modules` would:
 * a (gitignored) symlink `<dir>/node_modules/pulumi-cloudflare-pcap` → this repository, whose
 * package.json `exports` then lead to the built `dist/`.
 *
 * Needed wherever the dynamic-provider plugin runs: it evaluates each resource's serialized shim without
 * a file name, so the shim's `require("pulumi-cloudflare-pcap/provider")` resolves only through
 * `node_modules` of the plugin's working directory (the program directory) and its parents.
 *
 * Imports nothing but node builtins, so the demo (compiled elsewhere) can use it before the package
 * itself resolves.
 */
import { lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";

export const PACKAGE_NAME = "pulumi-cloudflare-pcap";

/** The repository root: the nearest directory at or above `from` holding this package's package.json. */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown };
      if (manifest.name === PACKAGE_NAME) return dir;
    } catch {
      // no package.json here, or not JSON: keep looking
    }
    if (dirname(dir) === dir) throw new Error(`no ${PACKAGE_NAME} package.json at or above ${from}`);
  }
}

/** Creates `<dir>/node_modules/pulumi-cloudflare-pcap` → the repository, replacing a stale or dangling link. */
export function ensurePackageLink(dir: string): void {
  const target = repoRoot();
  const link = join(dir, "node_modules", PACKAGE_NAME);
  try {
    if (realpathSync(link) === realpathSync(target)) return;
  } catch {
    // missing or dangling
  }
  try {
    lstatSync(link);
    rmSync(link, { force: true }); // a link to somewhere else (e.g. a moved clone): replace it
  } catch {
    // nothing there
  }
  mkdirSync(dirname(link), { recursive: true });
  try {
    symlinkSync(target, link, "junction");
  } catch (err) {
    // Another test worker made it first.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}
