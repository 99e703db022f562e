/**
 * Creating a capture without ever creating two. The API has no idempotency keys, so when the answer to
 * a POST is lost the capture may exist: list, look for one with the same parameters submitted since the
 * attempt began and not already claimed by another resource, and only then try again.
 */
import type { PcapClient } from "../api/client";
import { PcapRequestMaybeAppliedError } from "../api/errors";
import type { Capture, CaptureFilter, CaptureRequest } from "../api/types";
import { logLine } from "../log";

/** Tolerated clock difference between Cloudflare and this machine when matching `submitted`. */
const SKEW_MS = 60_000;
const MAX_ATTEMPTS = 3;

/** Captures created or claimed by this process: never matched twice. */
const claimed = new Set<string>();

export async function createCaptureOnce(
  client: PcapClient,
  accountId: string,
  request: CaptureRequest,
  deadlineMs: number,
): Promise<Capture> {
  const attemptStarted = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      // The deadline also bounds the wait for the one-simple-capture-per-minute rule (429 + retry-after).
      const created = await client.createCapture(accountId, request, {
        retry: { deadlineMs: Math.max(0, deadlineMs - (Date.now() - attemptStarted)) },
      });
      claimed.add(created.id);
      return created;
    } catch (err) {
      if (!(err instanceof PcapRequestMaybeAppliedError)) throw err;
      // The last attempt's lost answer is reconciled too: giving up without looking could orphan it.
      const match = (await client.listCaptures(accountId)).find(
        (c) => !claimed.has(c.id) && submittedSince(c, attemptStarted - SKEW_MS) && sameRequest(c, request),
      );
      if (match) {
        claimed.add(match.id);
        logLine(`the answer to creating a ${request.type} capture was lost; found the capture ${match.id}`);
        return match;
      }
      if (attempt >= MAX_ATTEMPTS) throw err;
      logLine(
        `the answer to creating a ${request.type} capture was lost and no capture was made; trying again`,
      );
    }
  }
}

function submittedSince(capture: Capture, since: number): boolean {
  const at = capture.submitted ? Date.parse(capture.submitted) : NaN;
  return !Number.isNaN(at) && at >= since;
}

function sameRequest(capture: Capture, request: CaptureRequest): boolean {
  const fields: Array<[unknown, unknown]> = [
    [capture.type, request.type],
    [capture.system, request.system],
    [capture.timeLimit, request.timeLimit],
    [capture.packetLimit, request.packetLimit],
  ];
  if (request.type === "full") {
    fields.push(
      [capture.coloName, request.coloName],
      [capture.destinationConf, request.destinationConf],
      [capture.byteLimit, request.byteLimit],
    );
  }
  return fields.every(([a, b]) => a === b) && sameFilter(capture.filter, request.filter);
}

export function sameFilter(a: CaptureFilter | undefined, b: CaptureFilter | undefined): boolean {
  const keys: (keyof CaptureFilter)[] = [
    "sourceAddress",
    "destinationAddress",
    "protocol",
    "sourcePort",
    "destinationPort",
  ];
  return keys.every((k) => a?.[k] === b?.[k]);
}
