/**
 * "What if" patches, applied only in runs labelled as such, to measure a proposed change before it is
 * made in the package. They patch the built module objects at run time; nothing on disk changes.
 */
import { join } from "node:path";
import { REPO } from "./common";

/**
 * One shim object per resource kind instead of one per resource. `dynamic.Resource` caches the
 * serialized provider per provider *object* (a WeakMap), so a fresh object per resource makes the
 * program serialize the closure once per resource; a memoized one serializes it once per kind. The
 * serialized text is identical.
 */
export function memoizeProviderShim(): void {
  // The same module instance the SDK loaded (dist/sdk/*.js require "./shim"), found by absolute path.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shim = require(join(REPO, "dist/sdk/shim.js")) as { providerShim: (kind: string) => object };
  const original = shim.providerShim;
  const cache = new Map<string, object>();
  shim.providerShim = (kind: string) => {
    let provider = cache.get(kind);
    if (!provider) {
      provider = original(kind);
      cache.set(kind, provider);
    }
    return provider;
  };
}
