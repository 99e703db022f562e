/**
 * Fault injection, reproducible: the n-th request's fate is a pure function of (seed, n) and the rates,
 * so a failing CI run can be replayed. Every request draws the same numbers whatever the rates are, so
 * changing one rate does not shift which requests the others hit.
 */
import { createHash } from "node:crypto";
import { resolveFaults, type FaultOptions } from "./options";

export type FaultDecision =
  { kind: "none"; dropAfterApply: boolean } | { kind: "reset" } | { kind: "error"; status: 500 | 503 };

export class FaultInjector {
  private settings: Required<FaultOptions>;
  private counter = 0;

  constructor(options: Required<FaultOptions>) {
    this.settings = options;
  }

  /** Changes rates at runtime; a new seed restarts the sequence from its beginning. */
  set(options: FaultOptions): void {
    const next = resolveFaults(options, this.settings);
    if (options.seed !== undefined) this.counter = 0;
    this.settings = next;
  }

  get current(): Required<FaultOptions> {
    return { ...this.settings };
  }

  get latencyMs(): number {
    return this.settings.latencyMs;
  }

  /** Decides the next request's fault; `mutating` = POST/PUT/DELETE (only those can be dropped after applying). */
  next(mutating: boolean): FaultDecision {
    const [reset, error, errorKind, drop] = this.draw();
    const s = this.settings;
    if (reset < s.resetRate) return { kind: "reset" };
    if (error < s.errorRate) return { kind: "error", status: errorKind < 0.5 ? 500 : 503 };
    return { kind: "none", dropAfterApply: mutating && drop < s.dropAfterApplyRate };
  }

  private draw(): [number, number, number, number] {
    const hash = createHash("sha256").update(`${this.settings.seed}\0${this.counter++}`).digest();
    const u = (i: number) => hash.readUInt32BE(i * 4) / 0x1_0000_0000;
    return [u(0), u(1), u(2), u(3)];
  }
}
