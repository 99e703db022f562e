/**
 * Finding ownerships. The API has no "get one ownership", only a list, so reads share one list answer
 * per account (the runtime's {@link SharedList}).
 */
import type { BucketOwnership } from "../../client/types";
import type { Account } from "../runtime";

/** The account's ownerships, from a list fetched within the sharing window when there is one. */
export function sharedOwnershipList({ runtime, client, id }: Account): Promise<BucketOwnership[]> {
  return runtime.ownershipList.get(id, () => client.listOwnerships(id));
}

/** A fresh list, for decisions that must not rely on a shared answer (adopting, reconciling). */
export function freshOwnershipList({ runtime, client, id }: Account): Promise<BucketOwnership[]> {
  return runtime.ownershipList.fresh(id, () => client.listOwnerships(id));
}

/** Called after any change to the account's ownerships. */
export function forgetOwnerships({ runtime, id }: Account): void {
  runtime.ownershipList.forget(id);
}

/** The registration of a bucket URI, by exact match (as Cloudflare matches it). */
export function findByDestination(
  list: BucketOwnership[],
  destinationConf: string,
): BucketOwnership | undefined {
  return list.find((o) => o.destinationConf === destinationConf);
}
