/**
 * The five capture endpoints: create (with the product rules), list, get, download, stop.
 */
import { ApiError } from "../errors";
import type { Context, Reply } from "../context";
import { domainFilter } from "../filter";
import { deriveStatus, isActive, simpleDownloadPackets } from "../lifecycle";
import { filterCanMatch, pcapStream } from "../pcap";
import { iso, ownershipStatus, renderCapture } from "../render";
import type { StoredCapture } from "../state";
import { randomId } from "../options";
import { validateCaptureRequest } from "../validate";

function ok(result: unknown): Reply {
  return { kind: "json", status: 200, result };
}

function find(ctx: Context, accountId: string, id: string): StoredCapture {
  const capture = ctx.state.findCapture(accountId, id);
  if (!capture) throw new ApiError("captureNotFound", `packet capture ${id} not found`);
  return capture;
}

/** The product rules, checked after the body is known to be valid. */
function enforceRules(
  ctx: Context,
  accountId: string,
  type: "simple" | "full",
  destinationConf?: string,
): void {
  const now = ctx.clock.now();
  const account = ctx.state.account(accountId);
  if (type === "full") {
    const validated = account.ownerships.some(
      (o) => o.destinationConf === destinationConf && ownershipStatus(o, now).status === "success",
    );
    if (!validated) {
      throw new ApiError(
        "destinationNotValidated",
        `destination_conf ${destinationConf} has no validated bucket ownership in this account: register it with POST /pcaps/ownership and validate it first`,
        { pointer: "/destination_conf" },
      );
    }
    if (account.captures.some((c) => isActive(c, now))) {
      throw new ApiError("fullCaptureActive", "only one full capture may be pending or running at a time");
    }
    return;
  }
  const intervalMs = ctx.simpleCaptureIntervalSeconds * 1000;
  if (account.lastSimpleMs !== undefined && now - account.lastSimpleMs < intervalMs) {
    const waitMs = account.lastSimpleMs + intervalMs - now;
    const retryAfter = Math.max(1, Math.ceil(ctx.clock.realSecondsFor(waitMs)));
    throw new ApiError("simpleCaptureRate", "only one simple capture may be requested per minute", {
      headers: { "retry-after": String(retryAfter) },
    });
  }
}

export async function createCapture(
  ctx: Context,
  accountId: string,
  body: Record<string, unknown>,
): Promise<Reply> {
  const now = ctx.clock.now();
  const request = validateCaptureRequest(body, now);
  // The bucket path must be safe before the destination is looked up (throws 1201 otherwise).
  if (request.destinationConf !== undefined) ctx.buckets.directoryOf(request.destinationConf);
  enforceRules(ctx, accountId, request.type, request.destinationConf);
  const capture: StoredCapture = {
    id: randomId(),
    type: request.type,
    system: request.system,
    timeLimit: request.timeLimit,
    filter: request.filter,
    submittedMs: now,
    canMatch: filterCanMatch(domainFilter(request.filter)),
  };
  if (request.packetLimit !== undefined) capture.packetLimit = request.packetLimit;
  if (request.type === "simple") {
    capture.offsetTime = request.offsetTime ?? iso(now);
    ctx.state.account(accountId).lastSimpleMs = now;
  } else {
    capture.coloName = request.coloName;
    capture.destinationConf = request.destinationConf;
    if (request.byteLimit !== undefined) capture.byteLimit = request.byteLimit;
  }
  ctx.state.addCapture(accountId, capture);
  await ctx.persist();
  return ok(renderCapture(capture, now, ctx.shape));
}

export function listCaptures(ctx: Context, accountId: string): Reply {
  const now = ctx.clock.now();
  return ok(ctx.state.account(accountId).captures.map((c) => renderCapture(c, now, ctx.shape)));
}

export function getCapture(ctx: Context, accountId: string, id: string): Reply {
  return ok(renderCapture(find(ctx, accountId, id), ctx.clock.now(), ctx.shape));
}

export function downloadCapture(ctx: Context, accountId: string, id: string): Reply {
  const capture = find(ctx, accountId, id);
  if (capture.type === "full") {
    throw new ApiError(
      "downloadFullCapture",
      `full captures cannot be downloaded: download the pcap files from the bucket in destination_conf (${capture.destinationConf})`,
    );
  }
  const { status, errorMessage } = deriveStatus(capture, ctx.clock.now());
  // A simple capture object carries no error_message, so the reason travels with the refusal.
  if (status === "failed") {
    throw new ApiError(
      "downloadFailedCapture",
      `packet capture ${id} failed (${errorMessage ?? "no reason recorded"}): nothing to download`,
    );
  }
  if (status !== "success") {
    throw new ApiError(
      "downloadNotReady",
      `packet capture ${id} is not ready for download yet (status ${status})`,
    );
  }
  // Snapshot what the stream needs now: it is generated after the state lock is released.
  const { packetCount, bytes } = ctx.download;
  const options = {
    seed: capture.id,
    packetCount: simpleDownloadPackets(capture, packetCount),
    filter: domainFilter(capture.filter),
    startTimeMs: Date.parse(capture.offsetTime ?? iso(capture.submittedMs)),
    durationSeconds: capture.timeLimit,
    ...(bytes !== undefined ? { targetBytes: bytes } : {}),
  };
  return {
    kind: "stream",
    headers: {
      "content-type": "application/vnd.tcpdump.pcap",
      "content-disposition": `attachment; filename="pcap_${capture.id}.pcap"`,
    },
    open: () => pcapStream(options),
  };
}

export async function stopCapture(ctx: Context, accountId: string, id: string): Promise<Reply> {
  const capture = find(ctx, accountId, id);
  const now = ctx.clock.now();
  if (capture.type !== "full") throw new ApiError("stopSimpleCapture", "only full captures can be stopped");
  if (!isActive(capture, now)) {
    const { status } = deriveStatus(capture, now);
    throw new ApiError(
      "stopNotActive",
      `packet capture ${id} is no longer pending or running (status ${status})`,
    );
  }
  capture.stopRequestedMs = now;
  await ctx.persist();
  return { kind: "empty" };
}
