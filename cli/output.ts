/**
 * What commands print on stdout: one JSON document (`--json`, camelCase domain objects, nothing else on
 * stdout), or text. A saved pcap file is always followed by its summary.
 */
import { summarizePcap, type MergedPart, type SavedPart } from "../client";
import type { CliIo } from "./io";
import { renderSummary } from "./summary-view";

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A pcap file a command wrote: downloaded, fetched and merged, or merged. */
export interface SavedFile {
  path: string;
  bytes: number;
  packets: number;
  /** The files merged into it: a full capture's (from its bucket) or `merge`'s; empty for a download. */
  parts?: (MergedPart | SavedPart)[];
}

/**
 * Prints what was written and what is in it. `shownPath` is the path as the user gave it; the JSON has
 * the absolute one. `extra` goes into the JSON document beside `file` and `summary` (e.g. the capture).
 */
export async function printSaved(
  io: CliIo,
  options: { json: boolean; top: number },
  shownPath: string,
  saved: SavedFile,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const summary = await summarizePcap(saved.path, { topFlows: options.top });
  if (options.json) {
    printJson(io, { ...extra, file: saved, summary });
    return;
  }
  const parts = saved.parts ?? [];
  const merged = parts.length > 0 ? `, merged from ${plural(parts.length, "part")}` : "";
  const partLines = parts.map(
    (part) =>
      `  ${"source" in part ? part.source : part.path}: ${part.packets} packets, ${part.bytes} bytes\n`,
  );
  io.stdout.write(
    `${shownPath}: ${saved.bytes} bytes, ${saved.packets} packets${merged}\n${partLines.join("")}` +
      renderSummary(summary, io.columns),
  );
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
