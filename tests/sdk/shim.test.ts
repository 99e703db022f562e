/**
 * The serialized provider (`__provider`) must not depend on where the package lives: the same program
 * from a copy of the package at another path serializes to the same text.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "../..");

/** Serializes every kind's shim the way dynamic.Resource does, from the package at `root`. */
function serializedShims(root: string): Record<string, string> {
  const script = `
    const pulumi = require("@pulumi/pulumi");
    const { providerShim } = require(${JSON.stringify(join(root, "dist/sdk/shim.js"))});
    (async () => {
      const out = {};
      for (const kind of ["BucketOwnership", "BucketOwnershipValidation", "PacketCapture"]) {
        const shim = providerShim(kind);
        out[kind] = (await pulumi.runtime.serializeFunction(() => shim, { allowSecrets: true })).text;
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  return JSON.parse(
    execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" }),
  ) as Record<string, string>;
}

it("is identical when the package is at another path, small, and names no path", () => {
  const elsewhere = mkdtempSync(join(tmpdir(), "pcap-clone-"));
  try {
    cpSync(join(REPO, "dist"), join(elsewhere, "dist"), { recursive: true });
    cpSync(join(REPO, "package.json"), join(elsewhere, "package.json"));
    symlinkSync(join(REPO, "node_modules"), join(elsewhere, "node_modules"), "dir");
    const here = serializedShims(REPO);
    const there = serializedShims(elsewhere);
    expect(there).toEqual(here);
    for (const text of Object.values(here)) {
      // Seven forwarders, one per method (sdk/shim.ts): ~2,250–2,320 characters, stored twice per resource.
      expect(text.length).toBeLessThanOrEqual(2500);
      expect(text).not.toContain(REPO);
      expect(text).toContain('require("pulumi-cloudflare-pcap/provider")');
    }
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
