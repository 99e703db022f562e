import { createHash } from "node:crypto";

/**
 * A small seeded PRNG (sfc32). Deterministic across platforms and Node versions, unlike Math.random,
 * and fast enough for the per-packet hot path (a few integer ops per draw, no allocation).
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `label` separates independent streams derived from one seed (e.g. flows vs packets vs payload). */
  constructor(seed: string, label: string) {
    const digest = createHash("sha256").update(`${label}\0${seed}`).digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    // Discard the first outputs: sfc32 mixes poorly right after seeding.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Uniform unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive); the modulo bias is irrelevant for synthetic traffic. */
  int(min: number, max: number): number {
    return min + Math.floor(this.nextFloat() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.nextFloat() * items.length)];
  }

  /** Fills `target` with random bytes, four at a time. */
  fill(target: Uint8Array): void {
    let i = 0;
    for (; i + 4 <= target.length; i += 4) {
      const v = this.nextU32();
      target[i] = v & 0xff;
      target[i + 1] = (v >>> 8) & 0xff;
      target[i + 2] = (v >>> 16) & 0xff;
      target[i + 3] = v >>> 24;
    }
    for (; i < target.length; i++) target[i] = this.nextU32() & 0xff;
  }
}
