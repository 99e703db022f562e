/**
 * The end of a full capture's conversion: the one status change that is a side effect, because it
 * writes the capture's files into the bucket — one `pcap_<id>_<server>.pcap` per edge server that saw
 * traffic, as Cloudflare writes one per machine — or fails when the bucket is gone, its ownership is no
 * longer validated, or nothing matched the filter. Runs before every request is handled, on
 * `advance()`, and on a background tick, always under the state mutex.
 */
import { join } from "node:path";
import type { Context } from "./context";
import { domainFilter } from "./filter";
import { NO_MATCH_MESSAGE, fullTimeline, packetsAt } from "./lifecycle";
import { writePcapFile } from "./pcap";
import { ownershipStatus } from "./render";
import type { CaptureOutcome, StoredCapture } from "./state";

/** Full payloads, as a full capture records them. */
export const FULL_SNAPLEN = 65535;

/** Finalizes every full capture whose conversion has ended; true when anything changed. */
export async function finishConversions(ctx: Context): Promise<boolean> {
  const now = ctx.clock.now();
  let changed = false;
  for (const [accountId, capture] of ctx.state.allCaptures()) {
    if (capture.type !== "full" || capture.outcome) continue;
    const timeline = fullTimeline(capture);
    if (timeline.doneAt > now) continue;
    capture.outcome = await outcomeOf(ctx, accountId, capture);
    changed = true;
  }
  return changed;
}

async function outcomeOf(ctx: Context, accountId: string, capture: StoredCapture): Promise<CaptureOutcome> {
  const timeline = fullTimeline(capture);
  const packets = packetsAt(capture, timeline.runningUntil);
  const destination = capture.destinationConf ?? "";
  const failed = (errorMessage: string): CaptureOutcome => ({ status: "failed", packets, errorMessage });
  if (!capture.canMatch) return failed(NO_MATCH_MESSAGE);
  const validated = ctx.state
    .account(accountId)
    .ownerships.some(
      (o) => o.destinationConf === destination && ownershipStatus(o, timeline.doneAt).status === "success",
    );
  if (!validated) return failed(`cannot write to ${destination}: bucket ownership is no longer validated`);
  if (!(await ctx.buckets.bucketExists(destination))) {
    return failed(`cannot write to ${destination}: the bucket does not exist`);
  }
  try {
    const directory = await ctx.buckets.ensureDirectory(destination);
    const files: string[] = [];
    for (const server of edgeServers(capture, packets)) {
      const file = join(directory, `pcap_${capture.id}_${server.name}.pcap`);
      // Every server records over the same window, so each file is in time order and the files'
      // packets interleave: one file per server is only a capture again once merged by time.
      await writePcapFile(file, {
        seed: `${capture.id}/${server.name}`,
        packetCount: server.packets,
        filter: domainFilter(capture.filter),
        snaplen: FULL_SNAPLEN,
        startTimeMs: timeline.runningFrom,
        durationSeconds: Math.max(1, Math.ceil((timeline.runningUntil - timeline.runningFrom) / 1000)),
      });
      files.push(file);
    }
    return { status: "success", packets, files };
  } catch (error) {
    return failed(
      `cannot write to ${destination}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Fewest and most edge servers a full capture's location has in the emulator. */
export const MIN_EDGE_SERVERS = 2;
export const MAX_EDGE_SERVERS = 6;

/**
 * The servers that saw a capture's traffic and how many of its packets each recorded: 2–6 servers,
 * chosen from the capture id (the same capture always gets the same servers), never more than there
 * are packets (a capture with none still gets one empty file, so its bucket shows it finished). Named
 * `<colo>-<n>`, lowercase, like a machine of that location.
 */
export function edgeServers(capture: StoredCapture, packets: number): { name: string; packets: number }[] {
  const span = MAX_EDGE_SERVERS - MIN_EDGE_SERVERS + 1;
  const chosen = MIN_EDGE_SERVERS + (parseInt(capture.id.slice(0, 8), 16) % span);
  const count = Math.max(1, Math.min(chosen, packets));
  const colo = (capture.coloName ?? "edge").toLowerCase();
  return Array.from({ length: count }, (_, i) => ({
    name: `${colo}-${i + 1}`,
    // Shares differ by at most one packet and add up to `packets` exactly.
    packets: Math.floor(packets / count) + (i < packets % count ? 1 : 0),
  }));
}
