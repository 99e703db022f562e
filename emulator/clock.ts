/**
 * The emulated clock. Captures and ownerships keep timestamps on this clock and derive their status
 * from it, so tests can jump hours ahead with `advance()` instead of waiting, and `timeScale` can make
 * a whole lifecycle run faster in real time without changing any answer's shape.
 */
export class EmulatedClock {
  private anchorReal: number;
  private anchorEmulated: number;

  /**
   * @param timeScale emulated seconds per real second (> 0).
   * @param startMs emulated time to start from; never before real time, so timestamps look current.
   */
  constructor(
    private timeScale: number,
    startMs: number = Date.now(),
    private readonly realNow: () => number = Date.now,
  ) {
    this.anchorReal = realNow();
    this.anchorEmulated = Math.max(startMs, this.anchorReal);
  }

  /** Emulated milliseconds since the epoch. */
  now(): number {
    return this.anchorEmulated + Math.floor((this.realNow() - this.anchorReal) * this.timeScale);
  }

  /** Jumps ahead; never backwards, so derived statuses only ever move forward. */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new RangeError("advance(seconds) needs a finite number ≥ 0");
    this.anchorEmulated += Math.round(seconds * 1000);
  }

  /** Real seconds until `emulatedMs` of emulated time have passed (for retry-after). */
  realSecondsFor(emulatedMs: number): number {
    return emulatedMs / 1000 / this.timeScale;
  }

  get scale(): number {
    return this.timeScale;
  }
}
