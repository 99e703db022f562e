import type { Prng } from "./prng";

/** Dotted quad to an unsigned 32-bit number; callers have validated the text with `isIpv4`. */
export function parseIpv4(text: string): number {
  const [a, b, c, d] = text.split(".").map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Ranges a host on the public internet never uses as its own address (RFC 6890 and friends). */
function isSpecial(a: number, b: number): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    a >= 224 || // multicast, reserved, broadcast
    (a === 100 && b >= 64 && b < 128) || // CGNAT
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) // benchmarking
  );
}

/** A public-looking unicast address, avoiding .0 and .255 hosts too. */
export function publicAddress(rng: Prng): number {
  for (;;) {
    const value = rng.nextU32();
    const last = value & 0xff;
    if (!isSpecial(value >>> 24, (value >>> 16) & 0xff) && last !== 0 && last !== 255) return value;
  }
}

/** Locally administered unicast MAC (bit 1 of the first octet set, bit 0 clear). */
export function localMac(rng: Prng): number[] {
  const bytes = [0, 0, 0, 0, 0, 0].map(() => rng.int(0, 255));
  bytes[0] = (bytes[0] & 0xfc) | 0x02;
  return bytes;
}

/** The Ethernet destination a real stack would use for this IPv4 destination (RFC 1112 §6.4). */
export function macFor(dst: number, unicast: number[]): number[] {
  if (dst === 0xffffffff) return [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  if (dst >>> 28 === 0xe) return [0x01, 0x00, 0x5e, (dst >>> 16) & 0x7f, (dst >>> 8) & 0xff, dst & 0xff];
  return unicast;
}
