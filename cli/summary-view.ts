/** A pcap file's summary as text: totals, time span and the top flows table (`summary`, and after saves). */
import type { PcapFlow, PcapSummary } from "../client";
import { formatBytes } from "./format";
import { renderTable, type Column } from "./table";

const FLOW_COLUMNS: Column<PcapFlow>[] = [
  { header: "PROTO", value: (f) => f.protocol },
  { header: "SOURCE", value: (f) => endpoint(f.source, f.sourcePort) },
  { header: "DESTINATION", value: (f) => endpoint(f.destination, f.destinationPort) },
  { header: "PACKETS", value: (f) => String(f.packets), align: "right" },
  { header: "BYTES", value: (f) => String(f.bytes), align: "right" },
];

/**
 * Exact figures first (they are what gets compared with tshark or capinfos), a readable size beside
 * them; times as the file holds them (RFC 3339, UTC, the file's precision).
 */
export function renderSummary(summary: PcapSummary, columns?: number): string {
  const captured =
    summary.capturedBytes < summary.bytes
      ? `, ${summary.capturedBytes} captured (packets cut at the snaplen)`
      : "";
  const lines = [
    `${summary.packets} packets, ${summary.bytes} bytes on the wire (${formatBytes(summary.bytes)})${captured}; ` +
      `link type ${summary.linkTypeName}; file ${summary.fileBytes} bytes`,
  ];
  if (summary.firstPacketTime !== undefined) {
    lines.push(
      `first packet ${summary.firstPacketTime}`,
      `last packet  ${summary.lastPacketTime ?? summary.firstPacketTime} (${formatSpan(summary.durationSeconds)} later)`,
    );
  }
  let text = `${lines.join("\n")}\n`;
  if (summary.flows.length > 0) {
    const count = summary.flowsComplete ? `${summary.flowCount}` : `at least ${summary.flowCount}`;
    const title =
      summary.flows.length < summary.flowCount
        ? `Top flows by bytes (${summary.flows.length} of ${count})`
        : `Flows (${count})`;
    text += `${title}\n${renderTable(FLOW_COLUMNS, summary.flows, columns)}`;
  } else if (summary.packets > 0 && summary.flowCount === 0) {
    text += "No IP flows (no packet carries IPv4 or IPv6)\n";
  }
  return text;
}

/** "203.0.113.7:443", "[2001:db8::1]:443", or the address alone when the protocol has no ports. */
function endpoint(address: string, port: number | undefined): string {
  if (port === undefined) return address;
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Sub-second spans keep their digits: two packets 300 µs apart are not "0 s" apart. */
function formatSpan(seconds: number): string {
  return seconds < 60 ? `${Number(seconds.toFixed(6))} s` : `${(seconds / 60).toFixed(1)} min`;
}
