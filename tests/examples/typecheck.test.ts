/**
 * Every example — index.ts, program.ts and the demo — type-checks against the package as users get it:
 * tsconfig.examples.json resolves `pulumi-cloudflare-pcap` to the built declarations in dist/ (`npm test`
 * builds first). The root tsconfig checks the same files against the sources.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../support/package-link";

it("tsc -p tsconfig.examples.json reports nothing", async () => {
  const repo = repoRoot();
  const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
  const result = await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.examples.json"], {
    cwd: repo,
  }).catch((err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? String(err), stderr: "" }));
  expect(result.stdout).toBe("");
});
