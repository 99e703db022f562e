/**
 * Internet checksum (RFC 1071) helpers. Sums are kept as plain (unfolded) numbers so callers can add
 * header fields arithmetically instead of re-reading bytes; `finish` folds and complements once.
 * Float64 arithmetic stays exact up to 2^53, far beyond any sum a 64 KiB packet can produce.
 */

/** Folds a sum of 16-bit words to 16 bits with end-around carry. */
export function fold(sum: number): number {
  // Packet sums stay far below 2^32, where two rounds of 32-bit ops suffice; this runs per packet.
  if (sum <= 0xffffffff) {
    sum = (sum & 0xffff) + (sum >>> 16);
    return (sum & 0xffff) + (sum >>> 16);
  }
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value for a sum of words. */
export function finish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** Byte-swaps a folded sum: the sum of data starting at an odd offset, per RFC 1071 §2(B). */
export function swap16(folded: number): number {
  return ((folded & 0xff) << 8) | (folded >>> 8);
}

/** Sum of the big-endian 16-bit words of bytes[start, end); an odd tail byte is padded with zero. */
export function sumBytes(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  return sum;
}

/** Word sum of a 32-bit value (two 16-bit halves). */
export function sum32(value: number): number {
  return (value >>> 16) + (value & 0xffff);
}
