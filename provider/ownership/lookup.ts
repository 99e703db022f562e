/**
 * Finding ownerships. The API has no "get one ownership", only a list, so reads share one list answer
 * per account (see {@link SharedList}).
 */
import type { PcapClient } from "../../client/client";
import type { BucketOwnership } from "../../client/types";
import { SharedList } from "../shared-list";

const ownerships = new SharedList<BucketOwnership>();

/** The account's ownerships, from a list fetched within the sharing window when there is one. */
export function sharedOwnershipList(client: PcapClient, accountId: string): Promise<BucketOwnership[]> {
  return ownerships.get(accountId, () => client.listOwnerships(accountId));
}

/** A fresh list, for decisions that must not rely on a shared answer (adopting, reconciling). */
export function freshOwnershipList(client: PcapClient, accountId: string): Promise<BucketOwnership[]> {
  return ownerships.fresh(accountId, () => client.listOwnerships(accountId));
}

/** Called after any change to the account's ownerships. */
export function forgetOwnerships(accountId: string): void {
  ownerships.forget(accountId);
}

/** The registration of a bucket URI, by exact match (as Cloudflare matches it). */
export function findByDestination(
  list: BucketOwnership[],
  destinationConf: string,
): BucketOwnership | undefined {
  return list.find((o) => o.destinationConf === destinationConf);
}
