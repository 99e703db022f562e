/**
 * LEGACY ENTRY, for state written by 0.1.0 only. That release's `__provider` has two forwarders for
 * seven methods, `dispatch(kind, false, args)` and `dispatch(kind, true, args)`, so which method a call
 * is must be told from the shape of its arguments. The plugin calls configure(request), check(olds,
 * news), diff(id, olds, news), create(inputs), read(id, props), update(id, olds, news) and delete(id,
 * props); update and delete come through the second forwarder because their shapes equal diff's and
 * read's. Every later release names the method (`call` in provider/entry.ts, sdk/shim.ts): nothing else
 * may route by argument shape, and this file must not grow.
 */
import { configSourceOf } from "./config";
import type { ProviderMethod } from "./entry";

export function legacyMethodOf(updateOrDelete: boolean, args: readonly unknown[]): ProviderMethod {
  if (updateOrDelete) return args.length >= 3 ? "update" : "delete";
  if (args.length >= 3) return "diff";
  if (args.length === 2) return typeof args[0] === "string" ? "read" : "check";
  // configure's request carries a config reader; inputs come from protobuf and never hold a function.
  return configSourceOf(args[0]) ? "configure" : "create";
}
