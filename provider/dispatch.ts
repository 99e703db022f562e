/**
 * The entry the resource shims call (see sdk/shim.ts): which provider method a call is, from the shape
 * of its arguments. The plugin calls configure(request), check(olds, news), diff(id, olds, news),
 * create(inputs), read(id, props), update(id, olds, news) and delete(id, props); update and delete come
 * through their own forwarder because their shapes equal diff's and read's.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

export type ProviderMethod = Exclude<keyof dynamic.ResourceProvider, undefined>;

export function methodOf(updateOrDelete: boolean, args: readonly unknown[]): ProviderMethod {
  if (updateOrDelete) return args.length >= 3 ? "update" : "delete";
  if (args.length >= 3) return "diff";
  if (args.length === 2) return typeof args[0] === "string" ? "read" : "check";
  return isConfigureRequest(args[0]) ? "configure" : "create";
}

/** configure's request carries a config reader; inputs come from protobuf and never hold a function. */
function isConfigureRequest(value: unknown): boolean {
  const config = (value as { config?: { get?: unknown } } | null)?.config;
  return typeof config?.get === "function";
}

export function dispatchTo(
  provider: dynamic.ResourceProvider,
  updateOrDelete: boolean,
  args: readonly unknown[],
): Promise<unknown> {
  const method = methodOf(updateOrDelete, args);
  const implementation = provider[method] as ((...a: readonly unknown[]) => Promise<unknown>) | undefined;
  if (!implementation) throw new Error(`the provider has no ${method} method`);
  return implementation.apply(provider, [...args]);
}
