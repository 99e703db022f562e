/**
 * BucketOwnership: registers a bucket for full captures (Cloudflare writes a challenge file into it),
 * optionally validates it, and deletes the registration on destroy.
 *
 * - destination or account change → replace; challenge change → update (validates again);
 *   `adopt` / `validationTimeoutSeconds` change → update without API calls.
 * - A failed or timed-out validation keeps the registration in state (partial failure): the next `up`
 *   validates again instead of registering twice.
 */
import { PcapConflictError, PcapNotFoundError } from "../../client/errors";
import type { BucketOwnership } from "../../client/types";
import { logLine } from "../log";
import { PartialFailure } from "../partial-failure";
import { createReconciled } from "../reconcile";
import type { ResourceDefinition } from "../resource";
import type { Account } from "../runtime";
import { findByDestination, forgetOwnerships, freshOwnershipList, sharedOwnershipList } from "./lookup";
import {
  bucketOwnershipInputs,
  bucketOwnershipState,
  type BucketOwnershipInputs,
  type BucketOwnershipState,
} from "./schemas";
import { validateAndWait } from "./validate";

/** Registrations submitted this long before a lost answer still count as ours (clock skew). */
const SKEW_MS = 5 * 60 * 1000;
/** Registration requests per create; a lost answer is reconciled against the list after each. */
const MAX_ATTEMPTS = 3;

export const bucketOwnership: ResourceDefinition<BucketOwnershipInputs, BucketOwnershipState> = {
  kind: "BucketOwnership",
  inputs: bucketOwnershipInputs,
  state: bucketOwnershipState,
  secrets: ["ownershipChallenge"],
  replaceOn: ["destinationConf"],
  updateOn: ["ownershipChallenge", "adopt", "validationTimeoutSeconds"],
  // A declared challenge that has not validated yet (a failed or timed-out earlier run, or drift seen
  // by refresh) is unfinished work for the next `up`.
  unfinished: (old, news) => news.ownershipChallenge !== undefined && old.status !== "success",

  async create(runtime, inputs, exists) {
    const account = runtime.account(inputs.accountId);
    const ownership = await register(account, inputs);
    const state: BucketOwnershipState = {
      accountId: account.id,
      destinationConf: inputs.destinationConf,
      filename: ownership.filename,
      status: ownership.status,
      submitted: ownership.submitted,
      validated: ownership.validated,
      ownershipChallenge: inputs.ownershipChallenge,
      adopt: inputs.adopt,
      validationTimeoutSeconds: inputs.validationTimeoutSeconds,
    };
    // From here a failure keeps the registration in state, or the next `up` would find the bucket
    // registered by no resource (409) and could never converge.
    exists(ownership.id, state);
    return {
      id: ownership.id,
      state: await validateIfDeclared(account, ownership.id, state, ownership.status !== "success"),
    };
  },

  async update(runtime, id, old, inputs) {
    const state: BucketOwnershipState = {
      ...old,
      ownershipChallenge: inputs.ownershipChallenge,
      adopt: inputs.adopt,
      validationTimeoutSeconds: inputs.validationTimeoutSeconds,
    };
    const mustValidate = inputs.ownershipChallenge !== old.ownershipChallenge || old.status !== "success";
    return validateIfDeclared(runtime.account(old.accountId), id, state, mustValidate);
  },

  async read(runtime, id, old) {
    const current = (await sharedOwnershipList(runtime.account(old.accountId))).find((o) => o.id === id);
    if (!current) return undefined; // deleted outside Pulumi: drop it from state
    const { filename, status, submitted, validated } = current;
    return { ...old, filename, status, submitted, validated };
  },

  async delete(runtime, id, old) {
    const account = runtime.account(old.accountId);
    try {
      await account.client.deleteOwnership(old.accountId, id);
    } catch (err) {
      if (!(err instanceof PcapNotFoundError)) throw err; // already gone counts as deleted
    } finally {
      forgetOwnerships(account);
    }
  },
};

function alreadyRegistered(accountId: string, existing: BucketOwnership): Error {
  return new Error(
    `register bucket ${existing.destinationConf} in account ${accountId}: it is already registered ` +
      `(ownership id ${existing.id}, status "${existing.status}"). To manage that registration with this ` +
      "resource, set `adopt: true` on it; to start over, delete the registration first.",
  );
}

/** Adds the registration, or finds the one to take over. Never registers the same bucket twice. */
async function register(account: Account, inputs: BucketOwnershipInputs): Promise<BucketOwnership> {
  const { destinationConf } = inputs;
  if (inputs.adopt) {
    const existing = findByDestination(await freshOwnershipList(account), destinationConf);
    if (existing) {
      logLine(`adopting the existing registration of bucket ${destinationConf} (ownership ${existing.id})`);
      return existing;
    }
  }
  return createReconciled({
    post: () => account.client.addOwnership(account.id, destinationConf),
    afterAttempt: () => forgetOwnerships(account),
    list: () => freshOwnershipList(account),
    matches: (o) => o.destinationConf === destinationConf,
    // Five minutes, and undated registrations count: the API keeps one registration per bucket, so a
    // match is never one of several, and a window too narrow would refuse the registration our own
    // request made as "already registered", blocking the bucket. Captures need a narrow one.
    window: { skewMs: SKEW_MS, undatedCounts: true },
    maxAttempts: MAX_ATTEMPTS,
    // 409: the bucket was registered before this create; name that registration.
    refusedAsExisting: (err) => err instanceof PcapConflictError,
    found: (existing) =>
      `the answer to registering ${destinationConf} was lost; found the registration ${existing.id}`,
    retrying: () =>
      `the answer to registering ${destinationConf} was lost and nothing was registered; trying again`,
    notOurs: (existing) => alreadyRegistered(account.id, existing),
  });
}

/** Validates when a challenge is declared and the registration is not validated with it yet. */
async function validateIfDeclared(
  account: Account,
  id: string,
  state: BucketOwnershipState,
  mustValidate: boolean,
): Promise<BucketOwnershipState> {
  if (!state.ownershipChallenge || !mustValidate) return state;
  const outcome = await validateAndWait(
    account,
    state.destinationConf,
    state.ownershipChallenge,
    state.validationTimeoutSeconds,
  );
  const { status, validated, filename } = outcome.ownership;
  const validatedState = { ...state, status, validated, filename };
  if (!outcome.ok) throw new PartialFailure(id, validatedState, outcome.reason);
  return validatedState;
}
