/**
 * What is in a pcap file, read in one streaming pass: packets, bytes, first and last packet time, and
 * the top flows. A flow is a unidirectional 5-tuple (protocol, source, source port, destination,
 * destination port) of the outermost IP header, with its packets and their original (on-the-wire)
 * bytes: the same figures `tshark -T fields -e ip.src -e ip.dst … -e frame.len` gives per packet, summed.
 * Packets that are not IP count in the totals but in no flow.
 */
import { PcapUsageError } from "../errors";
import { formatPacketTime, linkTypeName } from "./format";
import { decodeFlow, type PacketFlow } from "./packet";
import { PcapRecordReader } from "./reader";

/** One flow of a summary: one direction of a conversation. */
export interface PcapFlow {
  /** `TCP`, `UDP`, `ICMP`, `ICMPv6`, another IANA keyword (`GRE`, `ESP`, …) or the number as text. */
  protocol: string;
  protocolNumber: number;
  source: string;
  /** TCP and UDP only, when the packet's transport header was captured (and not a later fragment). */
  sourcePort?: number;
  destination: string;
  destinationPort?: number;
  packets: number;
  /** Sum of the packets' original lengths. */
  bytes: number;
}

/** What a pcap file holds. */
export interface PcapSummary {
  path: string;
  packets: number;
  /** Sum of the packets' original lengths (capinfos' "Data size"). */
  bytes: number;
  /** Sum of the bytes captured of them (less than `bytes` when the snaplen cut packets). */
  capturedBytes: number;
  /** The file's size. */
  fileBytes: number;
  linkType: number;
  /** libpcap's name of the link type (`EN10MB` for Ethernet) or the number as text. */
  linkTypeName: string;
  /** The earliest packet time, RFC 3339 with 6 or 9 fraction digits (the file's precision). */
  firstPacketTime?: string;
  /** The latest packet time. */
  lastPacketTime?: string;
  /** From the earliest to the latest packet; 0 for fewer than two packets. */
  durationSeconds: number;
  /** The top flows by bytes, then packets (then source, destination, ports: the order is fixed). */
  flows: PcapFlow[];
  /** How many distinct flows the file holds (a lower bound when `flowsComplete` is false). */
  flowCount: number;
  /**
   * False when the file holds more distinct flows than are tracked ({@link MAX_TRACKED_FLOWS}, to keep
   * memory bounded): flows first seen after that are not counted, so `flows` may miss some.
   */
  flowsComplete: boolean;
}

/** Options of {@link summarizePcap}. */
export interface SummaryOptions {
  /** How many flows `flows` lists (default 10). */
  topFlows?: number;
}

/** Distinct flows counted at most: about 200 bytes each, so about 50 MB at worst. */
export const MAX_TRACKED_FLOWS = 250_000;

const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  1: "ICMP",
  2: "IGMP",
  4: "IPv4",
  6: "TCP",
  17: "UDP",
  41: "IPv6",
  47: "GRE",
  50: "ESP",
  51: "AH",
  58: "ICMPv6",
  89: "OSPF",
  103: "PIM",
  112: "VRRP",
  132: "SCTP",
};

/** An IP protocol number's name as summaries show it (`TCP`, `GRE`, …), or the number as text. */
export function protocolName(protocolNumber: number): string {
  return PROTOCOL_NAMES[protocolNumber] ?? String(protocolNumber);
}

/** Reads `path` once and summarizes it. Throws a {@link PcapFormatError} naming the file and packet. */
export async function summarizePcap(path: string, options: SummaryOptions = {}): Promise<PcapSummary> {
  const reader = await PcapRecordReader.open(path);
  try {
    return await summarize(reader, options.topFlows ?? 10);
  } finally {
    await reader.close();
  }
}

async function summarize(reader: PcapRecordReader, topFlows: number): Promise<PcapSummary> {
  if (!Number.isInteger(topFlows) || topFlows < 0) {
    const operation = `summarize pcap file ${reader.path}`;
    throw new PcapUsageError(operation, `${operation}: topFlows must be an integer ≥ 0, not ${topFlows}`);
  }
  const { linkType, nanosecond } = reader.header;
  const flows = new Map<string, PcapFlow>();
  let flowsComplete = true;
  let packets = 0;
  let bytes = 0;
  let capturedBytes = 0;
  let first: [number, number] | undefined;
  let last: [number, number] | undefined;
  for (;;) {
    const more = reader.advance();
    if (more === undefined) {
      await reader.refill();
      continue;
    }
    if (!more) break;
    const { seconds, nanoseconds, originalLength } = reader;
    packets++;
    bytes += originalLength;
    capturedBytes += reader.includedLength;
    if (!first || seconds < first[0] || (seconds === first[0] && nanoseconds < first[1])) {
      first = [seconds, nanoseconds];
    }
    if (!last || seconds > last[0] || (seconds === last[0] && nanoseconds > last[1])) {
      last = [seconds, nanoseconds];
    }
    const packet = decodeFlow(linkType, reader.data());
    if (!packet) continue;
    const key = flowKey(packet);
    const flow = flows.get(key);
    if (flow) {
      flow.packets++;
      flow.bytes += originalLength;
    } else if (flows.size < MAX_TRACKED_FLOWS) {
      flows.set(key, {
        protocol: protocolName(packet.protocolNumber),
        ...packet,
        packets: 1,
        bytes: originalLength,
      });
    } else {
      flowsComplete = false;
    }
  }
  const digits = nanosecond ? 9 : 6;
  const summary: PcapSummary = {
    path: reader.path,
    packets,
    bytes,
    capturedBytes,
    fileBytes: reader.fileBytes,
    linkType,
    linkTypeName: linkTypeName(linkType),
    durationSeconds: first && last ? last[0] - first[0] + (last[1] - first[1]) / 1e9 : 0,
    flows: topOf(flows.values(), topFlows),
    flowCount: flows.size,
    flowsComplete,
  };
  if (first && last) {
    summary.firstPacketTime = formatPacketTime(first[0], first[1], digits);
    summary.lastPacketTime = formatPacketTime(last[0], last[1], digits);
  }
  return summary;
}

function flowKey(p: PacketFlow): string {
  return `${p.protocolNumber} ${p.source} ${p.sourcePort ?? ""} ${p.destination} ${p.destinationPort ?? ""}`;
}

/** The `n` largest flows, by bytes then packets, ties in a fixed order so summaries are reproducible. */
function topOf(flows: Iterable<PcapFlow>, n: number): PcapFlow[] {
  const text = (f: PcapFlow) => `${f.source} ${f.destination} ${f.protocolNumber}`;
  return [...flows]
    .sort(
      (a, b) =>
        b.bytes - a.bytes ||
        b.packets - a.packets ||
        text(a).localeCompare(text(b)) ||
        (a.sourcePort ?? -1) - (b.sourcePort ?? -1) ||
        (a.destinationPort ?? -1) - (b.destinationPort ?? -1),
    )
    .slice(0, n);
}
