/**
 * Creating a capture without ever creating two, or handing one resource another's capture, and at the
 * cost of one request where Cloudflare's rules allow it. The API has no idempotency keys, so when the
 * answer to a POST is lost the capture may exist: list, look for one submitted since the attempt began
 * that matches the request on every field the API reports and is not already claimed by another
 * resource, and only then try again.
 *
 * The API does not report every requested field (no capture object carries `packet_limit`), so two
 * requests can differ only where the list cannot see. Such requests never run at the same time in this
 * process: simple creates queue per account for the one-per-minute rule, and full creates run one at
 * a time per account (only one may be active anyway), so a lost answer can only ever match the capture
 * its own request made.
 */
import {
  PcapApiError,
  PcapConflictError,
  PcapError,
  PcapNotFoundError,
  PcapRateLimitedError,
} from "../../client/errors";
import { isCaptureDone, type Capture, type CaptureFilter, type CaptureRequest } from "../../client/types";
import { createReconciled } from "../reconcile";
import type { Account } from "../runtime";
import type { FullCaptureHolder } from "./slots";

/** Tolerated clock difference between Cloudflare and this machine when matching `submitted`. */
const SKEW_MS = 60_000;
const MAX_ATTEMPTS = 3;

// What this process knows of the account's captures (the claimed ids, the simple-capture queue, the
// full-capture slots) is the runtime's: shared by every resource of the deployment, which the engine
// creates concurrently in the one plugin process.

export interface CreateOptions {
  /** How long the create (and the caller's wait for completion after it) may take, in seconds. */
  timeoutSeconds: number;
  /**
   * Whether the time spent queued for the account's slot counts against `timeoutSeconds` (a timeout
   * the user chose), or the timeout starts when the turn comes (the default, which knows no queue).
   */
  timeoutIncludesQueue: boolean;
  /** Seconds between simple capture requests of one account (Cloudflare: 60; 0 = no pacing). */
  simpleIntervalSeconds: number;
  /** The declaring resource's name, for errors that point at it. */
  resourceName?: string;
}

/** One field the API reports back, as the request set it. */
interface VisibleField {
  /** The API's own name, for the log line. */
  name: string;
  matches: (capture: Capture) => boolean;
}

/** A capture just created, and the deadline its completion must meet (ms since the epoch). */
export interface Created {
  capture: Capture;
  deadline: number;
}

export async function createCaptureOnce(
  account: Account,
  request: CaptureRequest,
  options: CreateOptions,
): Promise<Created> {
  const { id: accountId, runtime } = account;
  const fullSlots = runtime.fullCaptureSlots;
  const started = Date.now();
  const deadlineFrom = (turnCame: number) =>
    (options.timeoutIncludesQueue ? started : turnCame) + options.timeoutSeconds * 1000;
  if (request.type === "simple") {
    const release = await runtime.simpleCaptureQueue.turn(accountId, options.simpleIntervalSeconds);
    const deadline = deadlineFrom(Date.now());
    let sent = true;
    try {
      return { capture: await createCapture(account, request, deadline), deadline };
    } catch (err) {
      // Refused outright (bad request, no access): nothing was made, so the minute is still free.
      sent = !(err instanceof PcapApiError && !(err instanceof PcapRateLimitedError));
      throw err;
    } finally {
      release(sent);
    }
  }
  return fullSlots.serialize(accountId, async () => {
    const deadline = deadlineFrom(Date.now());
    await refuseIfSlotHeld(account, options.resourceName);
    try {
      const capture = await createCapture(account, request, deadline);
      fullSlots.hold(accountId, {
        id: capture.id,
        coloName: request.coloName,
        resourceName: options.resourceName,
      });
      return { capture, deadline };
    } catch (err) {
      if (err instanceof PcapConflictError) {
        throw await slotTakenOnTheApi(account, options.resourceName, err);
      }
      throw err;
    }
  });
}

/** Creates the capture; a lost answer is looked for among the account's captures before trying again. */
function createCapture(account: Account, request: CaptureRequest, deadline: number): Promise<Capture> {
  const { client, id: accountId } = account;
  const fields = visibleFields(request);
  return createReconciled({
    // The deadline also bounds the wait for the one-simple-capture-per-minute rule (429 + retry-after).
    post: () =>
      client.createCapture(accountId, request, { retry: { deadlineMs: Math.max(0, deadline - Date.now()) } }),
    list: () => client.listCaptures(accountId),
    matches: (c) => fields.every((f) => f.matches(c)),
    // A minute: many captures can match a request on every visible field (the same filter every
    // run), so the window is kept as narrow as clock skew allows. Registrations use a wider one.
    window: { skewMs: SKEW_MS, undatedCounts: false },
    claimed: account.runtime.claimedCaptureIds,
    maxAttempts: MAX_ATTEMPTS,
    found: (match) =>
      `the answer to creating a ${request.type} capture was lost; found the capture ${match.id} ` +
      `(matched on ${describeMatch(fields)})`,
    retrying: () =>
      `the answer to creating a ${request.type} capture was lost and no capture was made; trying again`,
    ambiguous: (candidates) => ambiguous(request, accountId, candidates, fields),
  });
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

/** Before a full create: a capture this process knows to hold the slot, if it still does, refuses it. */
async function refuseIfSlotHeld(account: Account, resourceName: string | undefined): Promise<void> {
  const { client, id: accountId } = account;
  const fullSlots = account.runtime.fullCaptureSlots;
  for (const holder of fullSlots.known(accountId)) {
    const now = await client.getCapture(accountId, holder.id).catch((err: unknown) => {
      if (err instanceof PcapNotFoundError) return undefined;
      throw err;
    });
    if (now && holdsSlot(now)) {
      throw new FullCaptureSlotTakenError(accountId, resourceName, {
        ...holder,
        coloName: now.coloName ?? holder.coloName,
      });
    }
    fullSlots.release(accountId, holder.id);
  }
}

/** After the API refused a full create with 409: find the capture that holds the slot and name it. */
async function slotTakenOnTheApi(
  account: Account,
  resourceName: string | undefined,
  refusal: PcapApiError,
): Promise<PcapError> {
  const { client, id: accountId } = account;
  const active = (await client.listCaptures(accountId).catch(() => [])).find(
    (c) => c.type === "full" && holdsSlot(c),
  );
  if (!active) return refusal;
  const holder = {
    ...account.runtime.fullCaptureSlots.find(accountId, active.id),
    id: active.id,
    coloName: active.coloName,
  };
  return new FullCaptureSlotTakenError(accountId, resourceName, holder, refusal);
}

/** Pending or running, and not asked to stop: Cloudflare counts it against the one-full-capture rule. */
function holdsSlot(capture: Capture): boolean {
  return (
    (capture.status === "pending" || capture.status === "running") &&
    !capture.stopRequested &&
    !isCaptureDone(capture.status)
  );
}

/** A second full capture while one holds the account's slot: names the holder and the ways out. */
export class FullCaptureSlotTakenError extends PcapError {
  readonly holder: FullCaptureHolder;

  constructor(
    accountId: string,
    resourceName: string | undefined,
    holder: FullCaptureHolder,
    refusal?: PcapApiError,
  ) {
    const operation = `create full packet capture${resourceName ? ` "${resourceName}"` : ""} in account ${accountId}`;
    const where = holder.coloName ? ` in ${holder.coloName}` : "";
    const api = refusal
      ? refusal.errors.map((e) => ` ${e.message} (code ${e.code}, HTTP ${refusal.status}).`).join("")
      : "";
    const declared = holder.resourceName;
    const ways = declared
      ? `Either stop it (\`stopped: true\` on "${declared}"), let it finish first (\`waitForCompletion: true\` on ` +
        `"${declared}" and \`dependsOn\` on it from ${resourceName ? `"${resourceName}"` : "this capture"}), or remove one of the two from the program.`
      : "It is not declared in this deployment: stop it where it was made (its own program's `stopped: true`, or " +
        "the Cloudflare dashboard), wait for its time limit to pass, or remove this capture from the program.";
    super(
      operation,
      `${operation}: only one full capture may be pending or running at a time, and capture ${holder.id}${where}` +
        `${declared ? ` (resource "${declared}" of this deployment)` : ""} holds the slot.${api} ${ways}`,
      { cause: refusal },
    );
    this.holder = holder;
  }
}

function sameInstant(a: string | undefined, b: string): boolean {
  return a !== undefined && Date.parse(a) === Date.parse(b);
}

/** Filters are the same when every field is (absent and `{}` alike: any traffic). */
export function sameFilter(a: FilterLike | undefined, b: FilterLike | undefined): boolean {
  const keys: (keyof CaptureFilter)[] = [
    "sourceAddress",
    "destinationAddress",
    "protocol",
    "sourcePort",
    "destinationPort",
  ];
  return keys.every((k) => a?.[k] === b?.[k]);
}

/** A filter, or inputs shaped like one that are not checked yet (diff compares those). */
type FilterLike = Readonly<Partial<Record<keyof CaptureFilter, unknown>>>;
