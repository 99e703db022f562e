/**
 * The object handed to `dynamic.Resource`. Pulumi serializes it, with everything it captures, into the
 * `__provider` property of every resource's state (twice), so it captures nothing but the kind's name and
 * loads the real provider by package name inside the plugin process, when a method is called. That keeps
 * state free of credentials, identical wherever the program lives, and lets a package upgrade change the
 * provider's code for existing resources.
 *
 * One forwarder per method, each naming its method: nothing is told apart by the shape of the
 * arguments, so a plugin release that changes them fails loudly in provider/entry.ts instead of calling
 * the wrong method. Size: the serializer wraps every function in ~200 characters of scaffolding, so the
 * seven cost ~2,250–2,320 characters per resource (0.1.0's two cost ~900); tests/sdk/shim.test.ts
 * holds it under 2,500.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type * as entry from "../provider";
import type { ResourceKind } from "../provider";

/* eslint-disable @typescript-eslint/no-require-imports -- resolved at call time, in the plugin process */
// `as typeof entry` only types the call (kind and method names checked when compiling); it emits nothing.
function createShim(kind: ResourceKind): dynamic.ResourceProvider {
  return {
    configure: (...a: unknown[]) =>
      (require("pulumi-cloudflare-pcap/provider") as typeof entry).call(kind, "configure", a),
    check: (...a: unknown[]) =>
      (require("pulumi-cloudflare-pcap/provider") as typeof entry).call(kind, "check", a),
    diff: (...a: unknown[]) =>
      (require("pulumi-cloudflare-pcap/provider") as typeof entry).call(kind, "diff", a),
    create: (...a: unknown[]) =>
      (require("pulumi-cloudflare-pcap/provider") as typeof entry).call(kind, "create", a),
    read: (...a: unknown[]) =>
      (require("pulumi-cloudflare-pcap/provider") as typeof entry).call(kind, "read", a),
    update: (...a: unknown[]) =>
      (require("pulumi-cloudflare-pcap/provider") as typeof entry).call(kind, "update", a),
    delete: (...a: unknown[]) =>
      (require("pulumi-cloudflare-pcap/provider") as typeof entry).call(kind, "delete", a),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

// One shim object per kind: `dynamic.Resource` caches the serialized text per provider object, so a
// program with 200 resources serializes each kind once instead of 200 times (measured in bench/).
const shims = new Map<ResourceKind, dynamic.ResourceProvider>();

/** The serializable provider object for a resource kind. */
export function providerShim(kind: ResourceKind): dynamic.ResourceProvider {
  let shim = shims.get(kind);
  if (!shim) {
    shim = createShim(kind);
    shims.set(kind, shim);
  }
  return shim;
}
