import { publicAddress } from "./addresses";
import type { App, Patch } from "./apps";
import { finish, sum32, sumBytes } from "./checksum";
import { OPAQUE_PREFIX, ephemeralPort } from "./opaque";
import type { Prng } from "./prng";

/**
 * Payloads for tunnel protocols. GRE (Magic Transit's tunnels), IP-in-IP and 6in4 carry a well-formed
 * inner IPv4 or IPv6 UDP packet with correct inner checksums, so the dissectors decode the whole stack;
 * its data starts with the opaque prefix, like any opaque TCP/UDP data. ESP carries ciphertext.
 */

/** IPv4 + UDP + the opaque prefix. */
function innerIpv4(rng: Prng): { template: Uint8Array; patch: Patch } {
  const src = publicAddress(rng);
  const dst = publicAddress(rng);
  const sport = ephemeralPort(rng);
  const dport = ephemeralPort(rng);
  const template = new Uint8Array(28 + OPAQUE_PREFIX.length);
  template.set(OPAQUE_PREFIX, 28);
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
  const prefixSum = sumBytes(template, 28, template.length);
  return {
    template,
    patch(bytes, at, length, dataSum, prng) {
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
      const udpChecksum = finish(udpSum + 2 * udpLength + prefixSum + dataSum) || 0xffff;
      bytes[at + 26] = udpChecksum >>> 8;
      bytes[at + 27] = udpChecksum & 0xff;
    },
  };
}

/** IP-in-IP (protocol 4). */
export function ipipApp(rng: Prng): App {
  const inner = innerIpv4(rng);
  return { minPayload: inner.template.length, header: inner.template, patch: inner.patch };
}

/** GRE (protocol 47, RFC 2784) without checksum or key, carrying IPv4: Magic Transit's tunnels. */
export function greApp(rng: Prng): App {
  const inner = innerIpv4(rng);
  const header = new Uint8Array(4 + inner.template.length);
  header[2] = 0x08; // flags and version 0; protocol type IPv4 (0x0800)
  header.set(inner.template, 4);
  return {
    minPayload: header.length,
    header,
    patch: (bytes, at, length, dataSum, prng) => inner.patch(bytes, at + 4, length - 4, dataSum, prng),
  };
}

/** IPv6-in-IPv4 (protocol 41, RFC 4213): an IPv6 UDP packet between two 2001:db8::/32 hosts. */
export function sixInFourApp(rng: Prng): App {
  const template = new Uint8Array(48 + OPAQUE_PREFIX.length);
  const view = new DataView(template.buffer);
  template.set(OPAQUE_PREFIX, 48);
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
  // Addresses, next header, ports and the opaque prefix: everything constant in the checksum.
  const pseudo = sumBytes(template, 8, 40) + 17 + sport + dport + sumBytes(template, 48, template.length);
  return {
    minPayload: template.length,
    header: template,
    patch(bytes, at, length, dataSum) {
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
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, rng.int(0x100, 0xffffffff)); // SPI
  let sequence = rng.int(1, 0xffff);
  return {
    minPayload: 8 + 16 + 1,
    header,
    patch(bytes, at) {
      bytes[at + 4] = sequence >>> 24;
      bytes[at + 5] = (sequence >>> 16) & 0xff;
      bytes[at + 6] = (sequence >>> 8) & 0xff;
      bytes[at + 7] = sequence & 0xff;
      sequence = (sequence + 1) >>> 0 || 1;
    },
  };
}
