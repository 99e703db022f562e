/**
 * Cloudflare's two capture rules, applied before the request instead of discovered by an error:
 *
 * - **one simple capture request per minute per account**: simple creates queue per account and each
 *   is sent only when its minute has come. Without the queue every pending capture retried once a
 *   minute until its turn, so N captures cost N(N+1)/2 requests, each spent from the token's shared
 *   rate-limit budget;
 * - **one pending or running full capture per account**: a full capture this process knows to hold the
 *   slot is checked (one GET) before a second one is requested, and the refusal names it.
 *
 * One schedule per runtime (provider/runtime.ts), which every resource of a deployment shares: the
 * engine creates them concurrently in one plugin process.
 */
import { logLine } from "../log";

interface AccountQueue {
  /** When the next simple create may be sent (ms since the epoch). */
  nextAt: number;
  /** Settles when the last queued create has settled: the next one starts after it. */
  tail: Promise<void>;
  /** Creates queued or in flight. */
  queued: number;
}

/** Ends a turn: `sent` says whether a capture may have been made (it then holds the minute). */
export type ReleaseTurn = (sent: boolean) => void;

export class SimpleCaptureQueue {
  private readonly accounts = new Map<string, AccountQueue>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /**
   * Waits for the account's next slot, in the order callers asked, logging the place in the queue.
   * The caller must call the returned function once its create has settled.
   */
  async turn(accountId: string, intervalSeconds: number): Promise<ReleaseTurn> {
    const queue = this.queueFor(accountId);
    const ahead = queue.queued++;
    const intervalMs = intervalSeconds * 1000;
    const previous = queue.tail;
    let release!: ReleaseTurn;
    const settled = new Promise<void>((resolve) => {
      release = (sent) => {
        // The minute is counted from the answer, which came after Cloudflare received the request.
        if (sent) queue.nextAt = this.now() + intervalMs;
        queue.queued--;
        resolve();
      };
    });
    queue.tail = settled;
    const expectedWait = Math.max(0, queue.nextAt - this.now()) + ahead * intervalMs;
    if (expectedWait > 0) {
      logLine(
        `waiting for the one-per-minute slot for simple captures: ${ahead} ahead, about ${describeWait(expectedWait)}`,
      );
    }
    await previous;
    const wait = queue.nextAt - this.now();
    if (wait > 0) await this.sleep(wait);
    return release;
  }

  private queueFor(accountId: string): AccountQueue {
    let queue = this.accounts.get(accountId);
    if (!queue) {
      queue = { nextAt: 0, tail: Promise.resolve(), queued: 0 };
      this.accounts.set(accountId, queue);
    }
    return queue;
  }
}

function describeWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  return `${Math.round(seconds / 60)} min`;
}

/** A full capture known to hold an account's slot, and the resource that declared it. */
export interface FullCaptureHolder {
  id: string;
  coloName?: string;
  resourceName?: string;
}

/**
 * Full captures this process knows to be pending or running, per account: those it created, and
 * those the engine showed it in state (diff and read see every declared capture before any create).
 */
export class FullCaptureSlots {
  private readonly holders = new Map<string, Map<string, FullCaptureHolder>>();
  /** Per account: full creates run one at a time, so the second sees what the first made. */
  private readonly creating = new Map<string, Promise<unknown>>();

  hold(accountId: string, holder: FullCaptureHolder): void {
    let known = this.holders.get(accountId);
    if (!known) this.holders.set(accountId, (known = new Map()));
    known.set(holder.id, { ...known.get(holder.id), ...stripUndefined(holder), id: holder.id });
  }

  release(accountId: string, id: string): void {
    this.holders.get(accountId)?.delete(id);
  }

  /** The known holders of the account's slot, newest first. */
  known(accountId: string): FullCaptureHolder[] {
    return [...(this.holders.get(accountId)?.values() ?? [])].reverse();
  }

  /** A known holder by id (to name its resource). */
  find(accountId: string, id: string): FullCaptureHolder | undefined {
    return this.holders.get(accountId)?.get(id);
  }

  /** Runs `create` after every earlier full create of the account has settled. */
  serialize<T>(accountId: string, create: () => Promise<T>): Promise<T> {
    const previous = this.creating.get(accountId) ?? Promise.resolve();
    const result = previous.then(create, create);
    const tail = result.catch(() => undefined);
    this.creating.set(accountId, tail);
    void tail.then(() => this.creating.get(accountId) === tail && this.creating.delete(accountId));
    return result;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
