/**
 * The entries the resource shims call inside the plugin process (see sdk/shim.ts): `call`, with the
 * method named by the forwarder that received it, and the legacy `dispatch` of state written by 0.1.0.
 * The plugin's arguments arrive untyped; each method's are checked here for the shape the plugin
 * passes, so a plugin release that passed something else fails loudly instead of calling the wrong code.
 */
import { isPlainObject } from "./check";
import { configSourceOf } from "./config";
import { providers } from "./kinds";
import { legacyMethodOf } from "./legacy-dispatch";
import type { KindProvider, Props } from "./resource";
import { configureRuntime } from "./runtime";

/** A method of a dynamic provider, as the shim's forwarders name it (`"create"`, `"diff"`, ...). */
export type ProviderMethod = keyof KindProvider;

/** What a method answers, as the plugin expects it. */
export type MethodResult<M extends ProviderMethod> = Awaited<ReturnType<KindProvider[M]>>;

/** Passes the plugin's arguments of method M on to a kind's provider, checked for M's shape. */
type Forward<M extends ProviderMethod> = (
  provider: KindProvider,
  args: readonly unknown[],
) => ReturnType<KindProvider[M]>;

const byKind = new Map<string, KindProvider>(Object.entries(providers));

const METHODS: { [M in ProviderMethod]: Forward<M> } = {
  configure: async (_p, [request]) => {
    configureRuntime(required(configSourceOf(request), "a configure request", request));
  },
  check: (p, [olds, news]) => p.check(props(olds, "old inputs"), props(news, "new inputs")),
  diff: (p, [id, olds, news]) => p.diff(text(id), props(olds, "old outputs"), props(news, "new inputs")),
  create: (p, [news]) => p.create(props(news, "inputs")),
  read: (p, [id, olds]) => p.read(text(id), props(olds, "outputs")),
  update: (p, [id, olds, news]) => p.update(text(id), props(olds, "old outputs"), props(news, "new inputs")),
  delete: (p, [id, olds]) => p.delete(text(id), props(olds, "outputs")),
};

/** The entry of every shim since 0.2.0: one forwarder per method, each naming its method. */
export async function call<M extends ProviderMethod>(
  kind: string,
  method: M,
  args: readonly unknown[],
): Promise<MethodResult<M>> {
  const provider = byKind.get(kind);
  if (!provider) {
    throw new Error(
      `this version of pulumi-cloudflare-pcap has no resource kind "${kind}": the state was written by another version. ` +
        "Install the version that created it, or run `pulumi up` with this one before `destroy`.",
    );
  }
  if (!Object.hasOwn(METHODS, method)) {
    throw new Error(`pulumi-cloudflare-pcap: the plugin called "${String(method)}", which no resource has`);
  }
  return await METHODS[method](provider, args);
}

/**
 * LEGACY: the entry 0.1.0's `__provider` calls (see legacy-dispatch.ts), kept so that state it wrote
 * can still be refreshed, updated and destroyed.
 */
export async function dispatch(
  kind: string,
  updateOrDelete: boolean,
  args: readonly unknown[],
): Promise<unknown> {
  return call(kind, legacyMethodOf(updateOrDelete, args), args);
}

function props(value: unknown, what: string): Props {
  return required(isPlainObject(value) ? value : undefined, `an object of ${what}`, value);
}

function text(value: unknown): string {
  return required(typeof value === "string" ? value : undefined, "a resource id", value);
}

function required<T>(value: T | undefined, what: string, given: unknown): T {
  if (value === undefined) {
    throw new Error(
      `pulumi-cloudflare-pcap: the plugin passed ${given === null ? "null" : typeof given} where ${what} was expected; ` +
        "this @pulumi/pulumi may be newer than this package supports.",
    );
  }
  return value;
}
