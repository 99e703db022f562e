/**
 * A minimal, independent libpcap reader for the tests: it shares no code with the generator, so a bug
 * there cannot hide itself here. It parses the global header and every record, decodes Ethernet, IPv4
 * and TCP/UDP/ICMP headers, and verifies every checksum the captured bytes allow.
 */

export interface GlobalHeader {
  magic: number;
  versionMajor: number;
  versionMinor: number;
  thiszone: number;
  sigfigs: number;
  snaplen: number;
  linktype: number;
}

export interface Transport {
  kind: "tcp" | "udp" | "icmp" | "other";
  sport?: number;
  dport?: number;
  /** TCP only. */
  seq?: number;
  dataOffset?: number;
  flags?: number;
  /** UDP only: the length field. */
  length?: number;
  /** ICMP only. */
  type?: number;
  code?: number;
  /** true/false when verifiable (whole segment captured), undefined when truncated. */
  checksumOk?: boolean;
}

export interface PacketRecord {
  tsSec: number;
  tsUsec: number;
  inclLen: number;
  origLen: number;
  data: Buffer;
  ethertype: number;
  srcMac: Buffer;
  dstMac: Buffer;
  ip: {
    version: number;
    ihl: number;
    totalLength: number;
    id: number;
    dontFragment: boolean;
    moreFragments: boolean;
    fragmentOffset: number;
    ttl: number;
    protocol: number;
    checksumOk: boolean;
    src: string;
    dst: string;
  };
  transport: Transport;
}

export interface PcapFile {
  header: GlobalHeader;
  packets: PacketRecord[];
}

/** RFC 1071 checksum of the concatenation of `parts` (each word-aligned to the whole). */
export function internetChecksum(...parts: Buffer[]): number {
  const all = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) {
    sum += (all[i] << 8) | (i + 1 < all.length ? all[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipText(bytes: Buffer): string {
  return Array.from(bytes).join(".");
}

export class PcapFormatError extends Error {}

function fail(message: string): never {
  throw new PcapFormatError(message);
}

export function parseGlobalHeader(buffer: Buffer): GlobalHeader {
  if (buffer.length < 24) fail(`file of ${buffer.length} bytes has no global header`);
  return {
    magic: buffer.readUInt32LE(0),
    versionMajor: buffer.readUInt16LE(4),
    versionMinor: buffer.readUInt16LE(6),
    thiszone: buffer.readInt32LE(8),
    sigfigs: buffer.readUInt32LE(12),
    snaplen: buffer.readUInt32LE(16),
    linktype: buffer.readUInt32LE(20),
  };
}

function parseTransport(protocol: number, ip: Buffer, segment: Buffer, complete: boolean): Transport {
  const pseudo = Buffer.alloc(12);
  ip.copy(pseudo, 0, 12, 20);
  pseudo[9] = protocol;
  pseudo.writeUInt16BE(segment.length, 10);
  if (protocol === 6) {
    if (segment.length < 20) return { kind: "tcp" };
    return {
      kind: "tcp",
      sport: segment.readUInt16BE(0),
      dport: segment.readUInt16BE(2),
      seq: segment.readUInt32BE(4),
      dataOffset: segment[12] >>> 4,
      flags: segment[13],
      checksumOk: complete ? internetChecksum(pseudo, segment) === 0 : undefined,
    };
  }
  if (protocol === 17) {
    if (segment.length < 8) return { kind: "udp" };
    const stored = segment.readUInt16BE(6);
    return {
      kind: "udp",
      sport: segment.readUInt16BE(0),
      dport: segment.readUInt16BE(2),
      length: segment.readUInt16BE(4),
      // 0 means "no checksum" in UDP over IPv4; the generator always sends one.
      checksumOk: complete ? stored !== 0 && internetChecksum(pseudo, segment) === 0 : undefined,
    };
  }
  if (protocol === 1) {
    if (segment.length < 8) return { kind: "icmp" };
    return {
      kind: "icmp",
      type: segment[0],
      code: segment[1],
      checksumOk: complete ? internetChecksum(segment) === 0 : undefined,
    };
  }
  return { kind: "other" };
}

/** Parses a whole pcap file; throws PcapFormatError on any structural inconsistency. */
export function parsePcap(buffer: Buffer): PcapFile {
  const header = parseGlobalHeader(buffer);
  if (header.magic !== 0xa1b2c3d4) fail(`magic ${header.magic.toString(16)}`);
  const packets: PacketRecord[] = [];
  let at = 24;
  while (at < buffer.length) {
    if (buffer.length - at < 16) fail(`truncated record header at ${at}`);
    const tsSec = buffer.readUInt32LE(at);
    const tsUsec = buffer.readUInt32LE(at + 4);
    const inclLen = buffer.readUInt32LE(at + 8);
    const origLen = buffer.readUInt32LE(at + 12);
    if (tsUsec >= 1_000_000) fail(`record at ${at}: ts_usec ${tsUsec}`);
    if (inclLen > header.snaplen) fail(`record at ${at}: incl_len ${inclLen} > snaplen`);
    if (inclLen !== Math.min(origLen, header.snaplen))
      fail(`record at ${at}: incl_len ${inclLen} vs orig ${origLen}`);
    if (at + 16 + inclLen > buffer.length) fail(`record at ${at} runs past the end of the file`);
    const data = buffer.subarray(at + 16, at + 16 + inclLen);
    at += 16 + inclLen;
    if (data.length < 34) fail(`record ${packets.length}: ${data.length} bytes cannot hold Ethernet + IPv4`);
    const ipBytes = data.subarray(14, 34);
    const ihl = ipBytes[0] & 0x0f;
    const totalLength = ipBytes.readUInt16BE(2);
    const fragment = ipBytes.readUInt16BE(6);
    const protocol = ipBytes[9];
    if (totalLength !== origLen - 14)
      fail(`record ${packets.length}: IP total length ${totalLength} vs orig ${origLen}`);
    const complete = inclLen === origLen;
    const segment = data.subarray(14 + ihl * 4, complete ? 14 + totalLength : data.length);
    packets.push({
      tsSec,
      tsUsec,
      inclLen,
      origLen,
      data,
      dstMac: data.subarray(0, 6),
      srcMac: data.subarray(6, 12),
      ethertype: data.readUInt16BE(12),
      ip: {
        version: ipBytes[0] >>> 4,
        ihl,
        totalLength,
        id: ipBytes.readUInt16BE(4),
        dontFragment: (fragment & 0x4000) !== 0,
        moreFragments: (fragment & 0x2000) !== 0,
        fragmentOffset: fragment & 0x1fff,
        ttl: ipBytes[8],
        protocol,
        checksumOk: internetChecksum(ipBytes) === 0,
        src: ipText(ipBytes.subarray(12, 16)),
        dst: ipText(ipBytes.subarray(16, 20)),
      },
      transport: parseTransport(protocol, ipBytes, segment, complete),
    });
  }
  return { header, packets };
}
