/**
 * Facts of the classic libpcap file format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html)
 * shared by everything that reads or writes one: the inspector of downloads, the record reader, the
 * merge and the summary.
 */

export const GLOBAL_HEADER_BYTES = 24;
export const RECORD_HEADER_BYTES = 16;
/**
 * Larger than any snaplen a capture uses (tcpdump's and Wireshark's ceiling); a bigger record length means
 * the file is corrupt, and refusing it keeps one record from claiming gigabytes of buffer.
 */
export const MAX_RECORD_BYTES = 262_144;

/** How a file's magic number says its fields are stored. */
export interface PcapByteOrder {
  littleEndian: boolean;
  /** Timestamps' fraction in nanoseconds (magic 0xa1b23c4d) rather than microseconds (0xa1b2c3d4). */
  nanosecond: boolean;
}

/** The four magic numbers as read big-endian from the file's first four bytes. */
export const MAGICS = new Map<number, PcapByteOrder>([
  [0xa1b2c3d4, { littleEndian: false, nanosecond: false }],
  [0xd4c3b2a1, { littleEndian: true, nanosecond: false }],
  [0xa1b23c4d, { littleEndian: false, nanosecond: true }],
  [0x4d3cb2a1, { littleEndian: true, nanosecond: true }],
]);

/** The magic values this package writes (little-endian), as a number to write with writeUInt32LE. */
export const MAGIC_MICROSECOND = 0xa1b2c3d4;
export const MAGIC_NANOSECOND = 0xa1b23c4d;

/** A pcapng file starts with a Section Header Block, type 0x0a0d0d0a (same in both byte orders). */
export const PCAPNG_MAGIC = 0x0a0d0d0a;

/** What to do with a pcapng file, since only classic pcap is read here. */
export const PCAPNG_ADVICE =
  "pcapng is not supported: convert it to classic pcap first, e.g. `editcap -F pcap in.pcapng out.pcap`";

/** The link types this package can decode packets of (the summary's flows). */
export const LINK_TYPES: Readonly<Record<number, string>> = {
  0: "NULL",
  1: "EN10MB",
  101: "RAW",
  113: "LINUX_SLL",
  228: "IPV4",
  229: "IPV6",
  276: "LINUX_SLL2",
};

/** A link type's name as libpcap spells it (`EN10MB` for Ethernet), or its number as text. */
export function linkTypeName(linkType: number): string {
  return LINK_TYPES[linkType] ?? String(linkType);
}

/**
 * A packet time as RFC 3339 UTC with a fraction of `digits` digits (6 for microsecond files, 9 for
 * nanosecond ones), e.g. `2025-01-01T00:00:00.000125Z`.
 */
export function formatPacketTime(seconds: number, nanoseconds: number, digits: 6 | 9): string {
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = String(nanoseconds).padStart(9, "0").slice(0, digits);
  return `${whole}.${fraction}Z`;
}
