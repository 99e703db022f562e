/**
 * A list answer shared by every lookup in the same account for a short window. The engine reads the
 * resources of a refresh together, one call each; without sharing, N resources would cost N list (or
 * get) requests where one list answers them all. Any change made through this process drops the
 * account's answer, so later steps see fresh state.
 */

/** Long enough to cover one refresh's burst of reads; short enough that later steps see fresh state. */
const SHARE_WINDOW_MS = 2000;

export class SharedList<T> {
  private readonly recent = new Map<string, { at: number; list: Promise<T[]> }>();

  /** The account's list, from an answer fetched within the window when there is one, else `fetch()`. */
  get(accountId: string, fetch: () => Promise<T[]>): Promise<T[]> {
    const cached = this.recent.get(accountId);
    if (cached && Date.now() - cached.at < SHARE_WINDOW_MS) return cached.list;
    const list = fetch();
    this.recent.set(accountId, { at: Date.now(), list });
    // A failed list must not be served to the next caller.
    list.catch(() => this.recent.get(accountId)?.list === list && this.recent.delete(accountId));
    return list;
  }

  /** A list fetched now, for decisions that must not rely on a shared answer (adopting, reconciling). */
  fresh(accountId: string, fetch: () => Promise<T[]>): Promise<T[]> {
    this.forget(accountId);
    return this.get(accountId, fetch);
  }

  /** Called after any change to the account's objects. */
  forget(accountId: string): void {
    this.recent.delete(accountId);
  }
}
