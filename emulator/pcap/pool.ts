import { Prng } from "./prng";
import { fold, swap16 } from "./checksum";

/**
 * Seeded random bytes that every packet payload is sliced from, with prefix sums of its 16-bit words so
 * the checksum contribution of any slice costs O(1). This is what keeps the hot path free of per-byte
 * loops: payload bytes are copied with memcpy and never summed again.
 */
export class PayloadPool {
  readonly bytes: Buffer;
  /** prefix[k] = sum of the big-endian words covering bytes[0, 2k). */
  private readonly prefix: Float64Array;

  constructor(seed: string, size: number) {
    const even = size + (size & 1);
    this.bytes = Buffer.alloc(even);
    new Prng(seed, "payload").fill(this.bytes);
    this.prefix = new Float64Array(even / 2 + 1);
    for (let k = 0; k < even / 2; k++) {
      this.prefix[k + 1] = this.prefix[k] + ((this.bytes[2 * k] << 8) | this.bytes[2 * k + 1]);
    }
  }

  /**
   * Folded word sum of bytes[start, start + length) as it contributes to a checksum when the slice sits
   * at an even (`odd` false) or odd offset of the checksummed data. `start` must be even.
   */
  sum(start: number, length: number, odd: boolean): number {
    const words = length >>> 1;
    const first = start >>> 1;
    let sum = this.prefix[first + words] - this.prefix[first];
    if (length & 1) sum += this.bytes[start + length - 1] << 8;
    const folded = fold(sum);
    return odd ? swap16(folded) : folded;
  }
}
