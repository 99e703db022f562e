/**
 * Finding ownerships. The API has no "get one ownership": only a list. Reads during a refresh arrive
 * together, one per resource, so a list answer is shared by every lookup in the same account for a
 * short window, and any change made through this process drops it.
 */
import type { PcapClient } from "../api/client";
import type { BucketOwnership } from "../api/types";

/** Long enough to cover one refresh's burst of reads; short enough that later steps see fresh state. */
const SHARE_WINDOW_MS = 2000;

interface SharedList {
  at: number;
  list: Promise<BucketOwnership[]>;
}

const recent = new Map<string, SharedList>();

/** The account's ownerships, from a list fetched within the window when there is one. */
export function sharedOwnershipList(client: PcapClient, accountId: string): Promise<BucketOwnership[]> {
  const cached = recent.get(accountId);
  if (cached && Date.now() - cached.at < SHARE_WINDOW_MS) return cached.list;
  const list = client.listOwnerships(accountId);
  recent.set(accountId, { at: Date.now(), list });
  // A failed list must not be served to the next caller.
  list.catch(() => recent.get(accountId)?.list === list && recent.delete(accountId));
  return list;
}

/** A fresh list, for decisions that must not rely on a shared answer (adopting, reconciling). */
export function freshOwnershipList(client: PcapClient, accountId: string): Promise<BucketOwnership[]> {
  forgetOwnerships(accountId);
  return sharedOwnershipList(client, accountId);
}

/** Called after any change to the account's ownerships. */
export function forgetOwnerships(accountId: string): void {
  recent.delete(accountId);
}

export function findByDestination(
  list: BucketOwnership[],
  destinationConf: string,
): BucketOwnership | undefined {
  return list.find((o) => o.destinationConf === destinationConf);
}
