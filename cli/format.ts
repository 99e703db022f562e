/** Small formatters shared by the table and the progress line. */
import type { Capture, CaptureFilter } from "../client";

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 100 ? 1 : 0)} ${units[unit]}`;
}

/** Seconds → "42 s", "3 m 05 s", "2 h 01 m". */
export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} m`;
}

/** RFC 3339 → "2024-05-01 12:00" in UTC (the tables say so in their header); unparsable → as is. */
export function formatTime(rfc3339: string | undefined): string {
  if (!rfc3339) return "-";
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) ? rfc3339 : new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** "0123456789abcdef…" → "01234567…": ids in progress lines, where the line must fit the terminal. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

const PROTOCOLS: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp" };

/** A filter as one short phrase: "tcp 198.51.100.1 -> 203.0.113.7:443", "any" when it keeps every packet. */
export function formatFilter(filter: CaptureFilter | undefined): string {
  if (!filter || Object.keys(filter).length === 0) return "any";
  const parts: string[] = [];
  if (filter.protocol !== undefined) parts.push(PROTOCOLS[filter.protocol] ?? `proto ${filter.protocol}`);
  const end = (address: string | undefined, port: number | undefined) =>
    address === undefined && port === undefined
      ? "*"
      : `${address ?? "*"}${port === undefined ? "" : `:${port}`}`;
  const source = end(filter.sourceAddress, filter.sourcePort);
  const destination = end(filter.destinationAddress, filter.destinationPort);
  if (source !== "*" || destination !== "*") parts.push(`${source} -> ${destination}`);
  return parts.join(" ");
}

/** Where a capture's packets end up: the API (simple) or the bucket and data centre (full). */
export function formatDestination(capture: Capture): string {
  if (capture.type === "full") {
    const colo = capture.coloName ? ` (${capture.coloName})` : "";
    return `${capture.destinationConf ?? "?"}${colo}`;
  }
  return capture.type === "simple" ? "download" : "-";
}

/**
 * Packets captured so far, or "-" where the API does not count (simple captures). The API reports no
 * packet limit, so none is shown beside the count.
 */
export function formatPackets(capture: Capture): string {
  return capture.packetsCaptured === undefined ? "-" : String(capture.packetsCaptured);
}

/** Text as a POSIX shell needs it (bucket URIs have `?` and `&`), so a printed command can be pasted. */
export function quoteForShell(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
