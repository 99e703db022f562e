/**
 * What-if preload (`node --require`): the provider's HTTP layer gets undici lazily — the module object
 * handed to dist/client/http.js is a proxy that loads undici on first use — as if http.ts required
 * undici inside HttpTransport instead of at module level. Everything else loads as usual.
 */
import Module from "node:module";

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
const internals = Module as unknown as { _load: Load };
const load = internals._load;
internals._load = function (request, parent, isMain) {
  if (request === "undici" && /dist[\\/]provider[\\/]api[\\/]http\.js$/.test(parent?.filename ?? "")) {
    let real: Record<string | symbol, unknown> | undefined;
    return new Proxy(
      {},
      {
        get: (_target, key) => {
          real ??= load.call(this, request, parent, isMain) as Record<string | symbol, unknown>;
          return real[key];
        },
      },
    );
  }
  return load.call(this, request, parent, isMain);
};
