/**
 * Creating through an API without idempotency keys: when the answer to a POST is lost
 * (`PcapRequestMaybeAppliedError`) the object may exist. Every kind that creates does the same thing
 * about it: list, look for the object its request made (matching the request, submitted since the
 * attempt began, not claimed by another resource of this process), and only when there is none try
 * again, a bounded number of times. Each kind supplies the request, the list, the match and its rules.
 */
import { PcapRequestMaybeAppliedError } from "../client/errors";
import { logLine } from "./log";

/** What every created object reports: its id, and when the API received it. */
interface Submitted {
  id: string;
  submitted?: string;
}

/** Which listed objects may be the one a lost request made. */
export interface ReconcileWindow {
  /**
   * Tolerated clock difference between Cloudflare and this machine: objects submitted this long
   * before the first attempt began still count.
   */
  skewMs: number;
  /** Whether an object that reports no (or no readable) `submitted` time counts as recent enough. */
  undatedCounts: boolean;
}

export interface Reconciliation<T extends Submitted> {
  /** The creating request, one attempt. */
  post: () => Promise<T>;
  /** Runs after every attempt, answered or not (for example to drop a cached list it made stale). */
  afterAttempt?: () => void;
  /** The objects that exist now. */
  list: () => Promise<T[]>;
  /** Whether a listed object is what the request asked for. */
  matches: (item: T) => boolean;
  window: ReconcileWindow;
  /**
   * Ids already taken by other resources of this process: never matched, and the id created or found
   * here is added. Without it every match is a candidate.
   */
  claimed?: Set<string>;
  /** Requests per create; a lost answer is reconciled after each, the last one's too. */
  maxAttempts: number;
  /**
   * A refusal that means "it exists already" (answered, so nothing was made by it): the list is read
   * to name the object, and the refusal is never retried.
   */
  refusedAsExisting?: (err: unknown) => boolean;
  /** Log lines: a lost answer resolved to `item`, or found nothing and the request is sent again. */
  found: (item: T) => string;
  retrying: () => string;
  /** More than one candidate. Without it the first one wins (for kinds where the API allows one). */
  ambiguous?: (candidates: T[]) => Error;
  /** A match exists but cannot be ours (no answer was lost, or it is older than the window). */
  notOurs?: (existing: T) => Error;
}

/** Sends the request until it is answered, reconciling each lost answer against the list. */
export async function createReconciled<T extends Submitted>(r: Reconciliation<T>): Promise<T> {
  const { claimed } = r;
  const since = Date.now() - r.window.skewMs;
  // Once an answer was lost, a matching object that appears may be the one that request made.
  let answerLost = false;
  for (let attempt = 1; ; attempt++) {
    let made: T;
    try {
      made = await r.post();
    } catch (err) {
      r.afterAttempt?.();
      const existing = r.refusedAsExisting?.(err) ?? false;
      if (!existing && !(err instanceof PcapRequestMaybeAppliedError)) throw err;
      answerLost ||= !existing;
      // Look before trying again (or giving up): giving up without looking could orphan the object.
      const seen = (await r.list()).filter(r.matches);
      const ours = answerLost
        ? seen.filter((item) => !claimed?.has(item.id) && submittedSince(item, since, r.window))
        : [];
      if (ours.length > 1 && r.ambiguous) throw r.ambiguous(ours);
      const match = ours[0];
      if (match) {
        claimed?.add(match.id);
        logLine(r.found(match));
        return match;
      }
      const other = seen[0];
      if (other && r.notOurs) throw r.notOurs(other);
      if (existing || attempt >= r.maxAttempts) throw err;
      logLine(r.retrying());
      continue;
    }
    r.afterAttempt?.();
    claimed?.add(made.id);
    return made;
  }
}

function submittedSince(item: Submitted, since: number, window: ReconcileWindow): boolean {
  const at = item.submitted ? Date.parse(item.submitted) : NaN;
  return Number.isNaN(at) ? window.undatedCounts : at >= since;
}
