/**
 * The object handed to `dynamic.Resource`. Pulumi serializes it, with everything it captures, into the
 * `__provider` property of every resource's state (twice), so it captures nothing but the kind's name and
 * loads the real provider by package name inside the plugin process, when a method is called. That keeps
 * state free of credentials, identical wherever the program lives, and lets a package upgrade change the
 * provider's code for existing resources.
 *
 * Size: the serializer wraps every distinct function in ~200 characters of scaffolding, so seven
 * forwarders would cost ~2,050 characters per resource. Two suffice: the plugin's calls differ in the
 * shape of their arguments except diff/update and read/delete, so update and delete get their own
 * forwarder and the provider tells the rest apart (`methodOf` in provider/dispatch.ts). Measured in
 * tests/resources: under 1,100 characters.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ResourceKind } from "../provider";

/* eslint-disable @typescript-eslint/no-require-imports -- resolved at call time, in the plugin process */
function createShim(kind: ResourceKind): dynamic.ResourceProvider {
  const call = (...a: unknown[]) => require("pulumi-cloudflare-pcap/provider").dispatch(kind, false, a);
  const change = (...a: unknown[]) => require("pulumi-cloudflare-pcap/provider").dispatch(kind, true, a);
  return {
    configure: call,
    check: call,
    diff: call,
    create: call,
    read: call,
    update: change,
    delete: change,
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
