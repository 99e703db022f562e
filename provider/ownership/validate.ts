/**
 * Proving bucket ownership: send the challenge, then wait while Cloudflare says `pending` (it "can take
 * five to ten minutes"). Shared by BucketOwnership and BucketOwnershipValidation.
 */
import type { BucketOwnership } from "../../client/types";
import type { Account } from "../runtime";
import { pollUntil } from "../wait";
import { findByDestination, forgetOwnerships, sharedOwnershipList } from "./lookup";

/** Default bound on the wait for `success`. */
export const DEFAULT_VALIDATION_TIMEOUT_SECONDS = 900;

export type ValidationOutcome =
  { ok: true; ownership: BucketOwnership } | { ok: false; ownership: BucketOwnership; reason: string };

export async function validateAndWait(
  account: Account,
  destinationConf: string,
  challenge: string,
  timeoutSeconds: number = DEFAULT_VALIDATION_TIMEOUT_SECONDS,
): Promise<ValidationOutcome> {
  const accountId = account.id;
  const answered = await account.client.validateOwnership(accountId, destinationConf, challenge);
  forgetOwnerships(account);
  const result = await pollUntil(answered, {
    what: `bucket ${destinationConf} to validate`,
    poll: async () => {
      forgetOwnerships(account);
      const current = findByDestination(await sharedOwnershipList(account), destinationConf);
      if (!current)
        throw new Error(`validate bucket ${destinationConf}: its registration disappeared while validating`);
      return current;
    },
    isDone: (o) => o.status !== "pending",
    describe: (o) => o.status,
    timeoutSeconds,
  });
  const ownership = result.value;
  if (!result.done) {
    return {
      ok: false,
      ownership,
      reason:
        `validate bucket ${destinationConf} in account ${accountId}: still "${ownership.status}" after ` +
        `${result.waitedSeconds} s. Cloudflare can take up to ten minutes; run \`pulumi up\` again to keep ` +
        `waiting, or raise validationTimeoutSeconds.`,
    };
  }
  if (ownership.status !== "success") {
    return {
      ok: false,
      ownership,
      reason:
        `validate bucket ${destinationConf} in account ${accountId}: the ownership challenge did not match ` +
        `(status "${ownership.status}"). Pass the contents of the file ${ownership.filename} that Cloudflare ` +
        `wrote into the bucket as ownershipChallenge, then run \`pulumi up\` again.`,
    };
  }
  return { ok: true, ownership };
}
