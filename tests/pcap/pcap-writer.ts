/**
 * A tiny classic-pcap writer for the tests, independent of the code under test: any byte order and
 * precision, any link type, and packet builders for the headers the summary decodes (Ethernet with VLAN
 * tags, IPv4 with options and fragments, IPv6 with extension headers, TCP, UDP, ICMP).
 */

export interface TestRecord {
  seconds: number;
  /** Microseconds or nanoseconds, as the file's precision says. */
  fraction: number;
  data: Buffer;
  /** Defaults to data.length. */
  originalLength?: number;
}

export interface TestFile {
  littleEndian?: boolean;
  nanosecond?: boolean;
  snaplen?: number;
  linkType?: number;
  records: TestRecord[];
}

export function pcapBytes(file: TestFile): Buffer {
  const le = file.littleEndian ?? true;
  const u16 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const header = Buffer.alloc(24);
  u32(header, file.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(header, 2, 4);
  u16(header, 4, 6);
  u32(header, file.snaplen ?? 65535, 16);
  u32(header, file.linkType ?? 1, 20);
  const parts: Buffer[] = [header];
  for (const r of file.records) {
    const h = Buffer.alloc(16);
    u32(h, r.seconds, 0);
    u32(h, r.fraction, 4);
    u32(h, r.data.length, 8);
    u32(h, r.originalLength ?? r.data.length, 12);
    parts.push(h, r.data);
  }
  return Buffer.concat(parts);
}

function ipv4Bytes(text: string): number[] {
  return text.split(".").map(Number);
}

function ipv6Bytes(text: string): number[] {
  const [head, tail = ""] = text.split("::");
  const groups = (s: string) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = text.includes("::") ? groups(tail) : [];
  const all = [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

export interface Transport {
  protocol: number;
  sourcePort?: number;
  destinationPort?: number;
  payload?: number;
}

/** A TCP, UDP or ICMP header plus `payload` zero bytes (checksums left 0: tshark does not check them by default). */
function transportBytes(t: Transport): Buffer {
  const payload = Buffer.alloc(t.payload ?? 0);
  if (t.protocol === 6) {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(t.sourcePort ?? 0, 0);
    h.writeUInt16BE(t.destinationPort ?? 0, 2);
    h[12] = 5 << 4;
    h[13] = 0x18; // PSH ACK
    h.writeUInt16BE(65535, 14);
    return Buffer.concat([h, payload]);
  }
  if (t.protocol === 17) {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(t.sourcePort ?? 0, 0);
    h.writeUInt16BE(t.destinationPort ?? 0, 2);
    h.writeUInt16BE(8 + payload.length, 4);
    return Buffer.concat([h, payload]);
  }
  if (t.protocol === 1 || t.protocol === 58) {
    const h = Buffer.alloc(8);
    h[0] = t.protocol === 1 ? 8 : 128; // echo request
    return Buffer.concat([h, payload]);
  }
  return payload;
}

export interface Ipv4Options extends Transport {
  source: string;
  destination: string;
  /** Option bytes (a multiple of 4) to lengthen the header. */
  optionBytes?: number;
  /** In 8-byte units; nonzero: a later fragment, whose transport header is not there. */
  fragmentOffset?: number;
  moreFragments?: boolean;
}

export function ipv4Packet(o: Ipv4Options): Buffer {
  const options = o.optionBytes ?? 0;
  const h = Buffer.alloc(20 + options);
  const body = o.fragmentOffset ? Buffer.alloc(o.payload ?? 8) : transportBytes(o);
  h[0] = 0x40 | ((20 + options) / 4);
  h.writeUInt16BE(h.length + body.length, 2);
  h.writeUInt16BE(0x1234, 4);
  h.writeUInt16BE((o.moreFragments ? 0x2000 : 0) | (o.fragmentOffset ?? 0), 6);
  h[8] = 64;
  h[9] = o.protocol;
  Buffer.from(ipv4Bytes(o.source)).copy(h, 12);
  Buffer.from(ipv4Bytes(o.destination)).copy(h, 16);
  for (let i = 20; i < h.length; i++) h[i] = 1; // NOP options
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h.writeUInt16BE(~sum & 0xffff, 10);
  return Buffer.concat([h, body]);
}

export interface Ipv6Options extends Transport {
  source: string;
  destination: string;
  /** Extension headers before the transport: hop-by-hop (0), destination options (60), fragment (44). */
  extensions?: Array<{ type: 0 | 60 } | { type: 44; offset: number }>;
}

export function ipv6Packet(o: Ipv6Options): Buffer {
  const extensions = o.extensions ?? [];
  const later = extensions.some((e) => e.type === 44 && e.offset !== 0);
  const body = later ? Buffer.alloc(o.payload ?? 8) : transportBytes(o);
  const chain: Buffer[] = [];
  extensions.forEach((e, i) => {
    const next = i + 1 < extensions.length ? extensions[i + 1].type : o.protocol;
    const x = Buffer.alloc(8);
    x[0] = next;
    if (e.type === 44) x.writeUInt16BE(e.offset << 3, 2);
    else x.writeUInt16BE(0x0104, 2); // a PadN option filling the header
    chain.push(x);
  });
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  const rest = Buffer.concat([...chain, body]);
  h.writeUInt16BE(rest.length, 4);
  h[6] = extensions.length ? extensions[0].type : o.protocol;
  h[7] = 64;
  Buffer.from(ipv6Bytes(o.source)).copy(h, 8);
  Buffer.from(ipv6Bytes(o.destination)).copy(h, 24);
  return Buffer.concat([h, rest]);
}

/** An Ethernet frame around `payload`, with 802.1Q/802.1ad tags in the order given (outermost first). */
export function ethernet(ethertype: number, payload: Buffer, vlanTags: number[] = []): Buffer {
  const tags = vlanTags.map((tpid, i) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(tpid, 0);
    t.writeUInt16BE(100 + i, 2);
    return t;
  });
  const h = Buffer.from([0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77, 0x88, 0x99, 0xaa]);
  const type = Buffer.alloc(2);
  type.writeUInt16BE(ethertype, 0);
  const frame = Buffer.concat([h, ...tags, type, payload]);
  return frame.length >= 60 ? frame : Buffer.concat([frame, Buffer.alloc(60 - frame.length)]);
}

/** A UDP packet in Ethernet: the filler record of the merge tests. */
export function udpFrame(source: string, destination: string, sourcePort: number, payload = 18): Buffer {
  return ethernet(
    0x0800,
    ipv4Packet({ protocol: 17, source, destination, sourcePort, destinationPort: 53, payload }),
  );
}

/** Reads back a little-endian file as the merge writes it: the header fields and every record. */
export function parseLittleEndian(bytes: Buffer): {
  magic: number;
  snaplen: number;
  linkType: number;
  records: Array<{ seconds: number; fraction: number; data: Buffer; originalLength: number }>;
} {
  const records = [];
  let at = 24;
  while (at < bytes.length) {
    const included = bytes.readUInt32LE(at + 8);
    records.push({
      seconds: bytes.readUInt32LE(at),
      fraction: bytes.readUInt32LE(at + 4),
      originalLength: bytes.readUInt32LE(at + 12),
      data: bytes.subarray(at + 16, at + 16 + included),
    });
    at += 16 + included;
  }
  return {
    magic: bytes.readUInt32LE(0),
    snaplen: bytes.readUInt32LE(16),
    linkType: bytes.readUInt32LE(20),
    records,
  };
}
