import type { App } from "./apps";
import { finish, sum32, sumBytes } from "./checksum";
import { ephemeralPort } from "./ports";
import type { Prng } from "./prng";

/**
 * Payloads for tunnel protocols (Magic Transit's GRE and IPsec, IP-in-IP, 6in4): a well-formed inner
 * IPv4 or IPv6 UDP packet, with correct inner checksums, so the dissectors decode the whole stack.
 * The inner UDP data starts with a zero byte, like opaque TCP/UDP data (see OPAQUE in apps.ts).
 */

function randomPublicV4(rng: Prng): number {
  // 1.0.0.0–223.255.255.255 minus 10/8, 127/8; close enough for inner tunnel addresses.
  for (;;) {
    const value = rng.nextU32();
    const first = value >>> 24;
    if (first >= 1 && first <= 223 && first !== 10 && first !== 127) return value;
  }
}

/** Writes IPv4 + UDP + a zero data byte at `at`: 29 bytes. */
function innerIpv4(rng: Prng): { length: number; write: App["write"] } {
  const src = randomPublicV4(rng);
  const dst = randomPublicV4(rng);
  const sport = ephemeralPort(rng);
  const dport = ephemeralPort(rng);
  const template = new Uint8Array(29);
  const view = new DataView(template.buffer);
  view.setUint16(0, 0x4500);
  view.setUint16(6, 0x4000); // DF
  view.setUint16(8, (64 << 8) | 17); // TTL 64, UDP
  view.setUint32(12, src);
  view.setUint32(16, dst);
  view.setUint16(20, sport);
  view.setUint16(22, dport);
  const ipSum = 0x4500 + 0x4000 + ((64 << 8) | 17) + sum32(src) + sum32(dst);
  const udpSum = sum32(src) + sum32(dst) + 17 + sport + dport;
  return {
    length: template.length,
    write(bytes, at, length, dataSum, prng) {
      bytes.set(template, at);
      const id = prng.nextU32() & 0xffff;
      const udpLength = length - 20;
      bytes[at + 2] = length >>> 8;
      bytes[at + 3] = length & 0xff;
      bytes[at + 4] = id >>> 8;
      bytes[at + 5] = id & 0xff;
      const ipChecksum = finish(ipSum + length + id);
      bytes[at + 10] = ipChecksum >>> 8;
      bytes[at + 11] = ipChecksum & 0xff;
      bytes[at + 24] = udpLength >>> 8;
      bytes[at + 25] = udpLength & 0xff;
      const udpChecksum = finish(udpSum + 2 * udpLength + dataSum) || 0xffff;
      bytes[at + 26] = udpChecksum >>> 8;
      bytes[at + 27] = udpChecksum & 0xff;
    },
  };
}

/** IP-in-IP (protocol 4). */
export function ipipApp(rng: Prng): App {
  const inner = innerIpv4(rng);
  return { minPayload: inner.length, headerLength: () => inner.length, write: inner.write };
}

/** GRE (protocol 47, RFC 2784) without checksum or key, carrying IPv4: Magic Transit's tunnels. */
export function greApp(rng: Prng): App {
  const inner = innerIpv4(rng);
  return {
    minPayload: 4 + inner.length,
    headerLength: () => 4 + inner.length,
    write(bytes, at, length, dataSum, prng) {
      bytes[at] = 0;
      bytes[at + 1] = 0;
      bytes[at + 2] = 0x08; // protocol type: IPv4
      bytes[at + 3] = 0x00;
      inner.write(bytes, at + 4, length - 4, dataSum, prng);
    },
  };
}

/** IPv6-in-IPv4 (protocol 41, RFC 4213): an IPv6 UDP packet between two 2001:db8::/32 hosts. */
export function sixInFourApp(rng: Prng): App {
  const template = new Uint8Array(40 + 8 + 1);
  const view = new DataView(template.buffer);
  view.setUint32(0, (6 << 28) | rng.int(0, 0xfffff)); // version 6, traffic class 0, flow label
  template[6] = 17; // next header: UDP
  template[7] = 64; // hop limit
  for (const offset of [8, 24]) {
    view.setUint32(offset, 0x20010db8);
    for (let i = offset + 4; i < offset + 16; i++) template[i] = rng.int(0, 255);
  }
  const sport = ephemeralPort(rng);
  const dport = ephemeralPort(rng);
  view.setUint16(40, sport);
  view.setUint16(42, dport);
  const pseudo = sumBytes(template, 8, 40) + 17 + sport + dport;
  return {
    minPayload: template.length,
    headerLength: () => template.length,
    write(bytes, at, length, dataSum) {
      bytes.set(template, at);
      const udpLength = length - 40;
      bytes[at + 4] = udpLength >>> 8;
      bytes[at + 5] = udpLength & 0xff;
      bytes[at + 44] = udpLength >>> 8;
      bytes[at + 45] = udpLength & 0xff;
      // The pseudo-header carries the length as 32 bits and the UDP header again as 16: both < 65536.
      const checksum = finish(pseudo + 2 * udpLength + dataSum) || 0xffff;
      bytes[at + 46] = checksum >>> 8;
      bytes[at + 47] = checksum & 0xff;
    },
  };
}

/** ESP (protocol 50, RFC 4303): SPI and a per-flow sequence number; the pool bytes are ciphertext. */
export function espApp(rng: Prng): App {
  const spi = rng.int(0x100, 0xffffffff);
  let sequence = rng.int(1, 0xffff);
  return {
    minPayload: 8 + 16 + 1,
    headerLength: () => 8,
    write(bytes, at) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
      view.setUint32(0, spi);
      view.setUint32(4, sequence);
      sequence = (sequence + 1) >>> 0 || 1;
    },
  };
}
