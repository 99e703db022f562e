/**
 * The end of a full capture's conversion: the one status change that is a side effect, because it
 * writes `pcap_<id>.pcap` into the bucket — or fails when the bucket is gone, its ownership is no longer
 * validated, or nothing matched the filter. Runs before every request is handled, on `advance()`, and
 * on a background tick, always under the state mutex.
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
    const file = join(directory, `pcap_${capture.id}.pcap`);
    await writePcapFile(file, {
      seed: capture.id,
      packetCount: packets,
      filter: domainFilter(capture.filter),
      snaplen: FULL_SNAPLEN,
      startTimeMs: timeline.runningFrom,
      durationSeconds: Math.max(1, Math.ceil((timeline.runningUntil - timeline.runningFrom) / 1000)),
    });
    return { status: "success", packets, file };
  } catch (error) {
    return failed(
      `cannot write to ${destination}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
