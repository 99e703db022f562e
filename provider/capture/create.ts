/**
 * Creating a capture without ever creating two, or handing one resource another's capture. The API has
 * no idempotency keys, so when the answer to a POST is lost the capture may exist: list, look for one
 * submitted since the attempt began that matches the request on every field the API reports and is not
 * already claimed by another resource, and only then try again.
 *
 * The API does not report every requested field (no capture object carries `packet_limit`), so two
 * requests can differ only where the list cannot see. Such requests never run at the same time in this
 * process: each waits for the previous one with the same visible fields to be settled (created and
 * claimed, or failed), so a lost answer can only ever match the capture its own request made.
 */
import type { PcapClient } from "../api/client";
import { PcapError, PcapRequestMaybeAppliedError } from "../api/errors";
import type { Capture, CaptureFilter, CaptureRequest } from "../api/types";
import { logLine } from "../log";

/** Tolerated clock difference between Cloudflare and this machine when matching `submitted`. */
const SKEW_MS = 60_000;
const MAX_ATTEMPTS = 3;

/** Captures created or claimed by this process: never matched twice. */
const claimed = new Set<string>();

/**
 * Creates in flight, by account and visible fields: the tail of each chain. Shared by the whole plugin
 * process on purpose — the engine creates the resources of one deployment concurrently in that process.
 */
const inFlight = new Map<string, Promise<unknown>>();

/** One field the API reports back, as the request set it. */
interface VisibleField {
  /** The API's own name, for the log line. */
  name: string;
  matches: (capture: Capture) => boolean;
}

export async function createCaptureOnce(
  client: PcapClient,
  accountId: string,
  request: CaptureRequest,
  deadlineMs: number,
): Promise<Capture> {
  const started = Date.now();
  const fields = visibleFields(request);
  const key = `${accountId} ${fingerprint(request)}`;
  const previous = inFlight.get(key) ?? Promise.resolve();
  const settled = previous.catch(() => undefined).then(() => createNow());
  const tail = settled.catch(() => undefined);
  inFlight.set(key, tail);
  void tail.then(() => inFlight.get(key) === tail && inFlight.delete(key));
  return settled;

  async function createNow(): Promise<Capture> {
    const waited = Date.now() - started;
    if (waited >= 1000) {
      logLine(
        `waited ${Math.round(waited / 1000)} s for a ${request.type} capture that looks the same to the API ` +
          "(it does not report packet_limit) to be created first, so that a lost answer cannot be mistaken",
      );
    }
    // Time spent behind an identical-looking request counts against the same deadline.
    return createReconciled(client, accountId, request, fields, started + deadlineMs);
  }
}

async function createReconciled(
  client: PcapClient,
  accountId: string,
  request: CaptureRequest,
  fields: VisibleField[],
  deadline: number,
): Promise<Capture> {
  const attemptStarted = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      // The deadline also bounds the wait for the one-simple-capture-per-minute rule (429 + retry-after).
      const created = await client.createCapture(accountId, request, {
        retry: { deadlineMs: Math.max(0, deadline - Date.now()) },
      });
      claimed.add(created.id);
      return created;
    } catch (err) {
      if (!(err instanceof PcapRequestMaybeAppliedError)) throw err;
      // The last attempt's lost answer is reconciled too: giving up without looking could orphan it.
      const candidates = (await client.listCaptures(accountId)).filter(
        (c) =>
          !claimed.has(c.id) &&
          submittedSince(c, attemptStarted - SKEW_MS) &&
          fields.every((f) => f.matches(c)),
      );
      if (candidates.length > 1) throw ambiguous(request, accountId, candidates, fields);
      const match = candidates[0];
      if (match) {
        claimed.add(match.id);
        logLine(
          `the answer to creating a ${request.type} capture was lost; found the capture ${match.id} ` +
            `(matched on ${describeMatch(fields)})`,
        );
        return match;
      }
      if (attempt >= MAX_ATTEMPTS) throw err;
      logLine(
        `the answer to creating a ${request.type} capture was lost and no capture was made; trying again`,
      );
    }
  }
}

/**
 * The request's fields that capture objects report (PCAP-API.md, "Capture object"). `packet_limit` is
 * never reported, and a simple capture's `offset_time` only says what was sent when one was sent (the
 * API fills in the request time otherwise).
 */
export function visibleFields(request: CaptureRequest): VisibleField[] {
  const fields: VisibleField[] = [
    { name: "type", matches: (c) => c.type === request.type },
    { name: "system", matches: (c) => c.system === request.system },
    { name: "time_limit", matches: (c) => c.timeLimit === request.timeLimit },
    { name: "filter_v1", matches: (c) => sameFilter(c.filter, request.filter) },
  ];
  if (request.type === "simple") {
    const offset = request.offsetTime;
    if (offset !== undefined) {
      fields.push({ name: "offset_time", matches: (c) => sameInstant(c.offsetTime, offset) });
    }
  } else {
    fields.push(
      { name: "colo_name", matches: (c) => c.coloName === request.coloName },
      { name: "destination_conf", matches: (c) => c.destinationConf === request.destinationConf },
      { name: "byte_limit", matches: (c) => c.byteLimit === request.byteLimit },
    );
  }
  return fields;
}

/** The visible fields' values: requests with the same fingerprint look the same in the list. */
function fingerprint(request: CaptureRequest): string {
  const { packetLimit: _hidden, ...visible } = request;
  const offset = "offsetTime" in visible && visible.offsetTime ? Date.parse(visible.offsetTime) : undefined;
  return JSON.stringify({ ...visible, offsetTime: offset, filter: canonicalFilter(visible.filter) });
}

function canonicalFilter(filter: CaptureFilter | undefined): CaptureFilter {
  return {
    sourceAddress: filter?.sourceAddress,
    destinationAddress: filter?.destinationAddress,
    protocol: filter?.protocol,
    sourcePort: filter?.sourcePort,
    destinationPort: filter?.destinationPort,
  };
}

function describeMatch(fields: VisibleField[]): string {
  return [...fields.map((f) => f.name), "submitted since the request"].join(", ");
}

function ambiguous(
  request: CaptureRequest,
  accountId: string,
  candidates: Capture[],
  fields: VisibleField[],
): PcapError {
  const ids = candidates.map((c) => c.id).join(", ");
  const operation = `create ${request.type} packet capture in account ${accountId}`;
  return new PcapError(
    operation,
    `${operation}: the answer was lost, and ${candidates.length} captures submitted since then match it on every field the API reports (${describeMatch(fields)}): ${ids}. ` +
      "Another program or person probably made the same capture at the same time. Check which one is yours " +
      "(`pulumi-cloudflare-pcap list`), stop the others if they are full captures, then run `pulumi up` again.",
  );
}

function submittedSince(capture: Capture, since: number): boolean {
  const at = capture.submitted ? Date.parse(capture.submitted) : NaN;
  return !Number.isNaN(at) && at >= since;
}

function sameInstant(a: string | undefined, b: string): boolean {
  return a !== undefined && Date.parse(a) === Date.parse(b);
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
