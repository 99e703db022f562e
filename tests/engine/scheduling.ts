/**
 * How the engine runs steps: at most `--parallel` provider operations at once (unbounded by default), and
 * deletes in reverse dependency order. Mirrors pkg/resource/deploy/step_executor.go, where it matters.
 */
import type { ResourceState } from "./types";

/** The engine's default `--parallel`: unbounded (the CLI passes math.MaxInt32). */
export const UNBOUNDED = Number.POSITIVE_INFINITY;

/** Lets at most `limit` tasks run at once; the others wait their turn, first come first served. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number = UNBOUNDED) {
    if (!(limit >= 1)) throw new Error(`parallel must be 1 or more (1 = one step at a time), got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Runs `remove` for each record once every record that depends on it (through `dependencies` or `parent`)
 * has been removed, independent ones together, as the engine schedules deletes. A record whose dependent
 * failed is not removed. Records are given in state order (dependencies first).
 */
export async function inReverseDependencyOrder(
  records: readonly ResourceState[],
  remove: (r: ResourceState) => Promise<boolean>,
): Promise<void> {
  const done = new Map<ResourceState, Promise<boolean>>();
  // Only later records can depend on earlier ones (a replaced record and its replacement share a URN).
  const dependents = (r: ResourceState) =>
    records.slice(records.indexOf(r) + 1).filter((d) => d.parent === r.urn || d.dependencies.includes(r.urn));
  const schedule = (r: ResourceState): Promise<boolean> => {
    let p = done.get(r);
    if (!p) {
      p = Promise.all(dependents(r).map(schedule)).then((ok) => ok.every(Boolean) && remove(r));
      done.set(r, p);
    }
    return p;
  };
  await Promise.all([...records].reverse().map(schedule));
}
