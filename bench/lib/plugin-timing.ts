/**
 * Time spent in each gRPC call of the engine stand-in to the dynamic-provider plugin, and in spawning it:
 * the plugin's overhead per step. Wraps the stand-in's DynamicProviderPlugin from the outside (its
 * sources belong to tests/engine).
 */
import { DynamicProviderPlugin } from "../../tests/engine";

export interface CallTiming {
  calls: number;
  totalMs: number;
}

export type PluginTimings = Record<string, CallTiming>;

const timings: PluginTimings = {};
let installed = false;

function add(name: string, ms: number): void {
  const t = (timings[name] ??= { calls: 0, totalMs: 0 });
  t.calls++;
  t.totalMs += ms;
}

export function installPluginTiming(): void {
  if (installed) return;
  installed = true;
  type Method = (...args: unknown[]) => Promise<unknown>;
  const proto = DynamicProviderPlugin.prototype as unknown as Record<string, Method>;
  for (const name of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
    const original = proto[name];
    proto[name] = async function (this: unknown, ...args: unknown[]) {
      const started = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        add(name, performance.now() - started);
      }
    };
  }
  const start = DynamicProviderPlugin.start.bind(DynamicProviderPlugin);
  DynamicProviderPlugin.start = async (options) => {
    const started = performance.now();
    try {
      return await start(options);
    } finally {
      add("spawn", performance.now() - started);
    }
  };
}

/** The timings since the last call, rounded, with ms per call; then starts over. */
export function takePluginTimings(): Record<string, { calls: number; totalMs: number; msPerCall: number }> {
  const out: Record<string, { calls: number; totalMs: number; msPerCall: number }> = {};
  for (const [name, t] of Object.entries(timings)) {
    out[name] = {
      calls: t.calls,
      totalMs: Math.round(t.totalMs),
      msPerCall: Math.round((t.totalMs / t.calls) * 100) / 100,
    };
    delete timings[name];
  }
  return out;
}
