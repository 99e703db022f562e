/**
 * BucketOwnership: registers a bucket for full captures (Cloudflare writes a challenge file into it),
 * optionally validates it, and deletes the registration on destroy.
 *
 * - destination or account change → replace; challenge change → update (validates again);
 *   `adopt` / `validationTimeoutSeconds` change → update without API calls.
 * - A failed or timed-out validation keeps the registration in state (partial failure): the next `up`
 *   validates again instead of registering twice.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { PcapClient } from "../../client/client";
import { PcapApiError, PcapRequestMaybeAppliedError } from "../../client/errors";
import type { BucketOwnership } from "../../client/types";
import { checkWith, stripUndefined } from "../check";
import { configureProvider, contextFor } from "../context";
import { logLine } from "../log";
import { PartialFailure, keepingProvider } from "../partial-failure";
import { readState } from "../state";
import { registrationReplaces } from "./replaces";
import { findByDestination, forgetOwnerships, freshOwnershipList, sharedOwnershipList } from "./lookup";
import {
  bucketOwnershipInputs,
  bucketOwnershipState,
  type BucketOwnershipInputs,
  type BucketOwnershipState,
} from "./schemas";
import { DEFAULT_VALIDATION_TIMEOUT_SECONDS, validateAndWait } from "./validate";

/** Registrations submitted this long before a lost answer still count as ours (clock skew). */
const SKEW_MS = 5 * 60 * 1000;
/** Registration requests per create; a lost answer is reconciled against the list after each. */
const MAX_ATTEMPTS = 3;

function outputsOf(
  ownership: BucketOwnership,
  accountId: string,
  inputs: BucketOwnershipInputs,
): BucketOwnershipState {
  return stripUndefined({
    accountId,
    destinationConf: inputs.destinationConf,
    filename: ownership.filename,
    status: ownership.status,
    submitted: ownership.submitted,
    validated: ownership.validated,
    ownershipChallenge: inputs.ownershipChallenge,
    adopt: inputs.adopt,
    validationTimeoutSeconds: inputs.validationTimeoutSeconds,
  });
}

function alreadyRegistered(accountId: string, existing: BucketOwnership): Error {
  return new Error(
    `register bucket ${existing.destinationConf} in account ${accountId}: it is already registered ` +
      `(ownership id ${existing.id}, status "${existing.status}"). To manage that registration with this ` +
      "resource, set `adopt: true` on it; to start over, delete the registration first.",
  );
}

/** Adds the registration, or finds the one to take over. Never registers the same bucket twice. */
async function register(
  client: PcapClient,
  accountId: string,
  inputs: BucketOwnershipInputs,
): Promise<BucketOwnership> {
  const { destinationConf } = inputs;
  if (inputs.adopt) {
    const existing = findByDestination(await freshOwnershipList(client, accountId), destinationConf);
    if (existing) {
      logLine(`adopting the existing registration of bucket ${destinationConf} (ownership ${existing.id})`);
      return existing;
    }
  }
  const attemptStarted = Date.now();
  // Once an answer was lost, a registration that appears may be the one that request made.
  let answerLost = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const added = await client.addOwnership(accountId, destinationConf);
      forgetOwnerships(accountId);
      return added;
    } catch (err) {
      forgetOwnerships(accountId);
      const conflict = err instanceof PcapApiError && err.status === 409;
      if (!conflict && !(err instanceof PcapRequestMaybeAppliedError)) throw err;
      answerLost ||= !conflict;
      // Look before trying again (or giving up): the registration may exist. Every lost answer is
      // reconciled, the last attempt's too: an unknown registration would block the bucket for good.
      const existing = findByDestination(await freshOwnershipList(client, accountId), destinationConf);
      if (existing) {
        const submitted = existing.submitted ? Date.parse(existing.submitted) : NaN;
        if (answerLost && (Number.isNaN(submitted) || submitted >= attemptStarted - SKEW_MS)) {
          logLine(
            `the answer to registering ${destinationConf} was lost; found the registration ${existing.id}`,
          );
          return existing;
        }
        throw alreadyRegistered(accountId, existing);
      }
      if (conflict || attempt >= MAX_ATTEMPTS) throw err;
      logLine(
        `the answer to registering ${destinationConf} was lost and nothing was registered; trying again`,
      );
    }
  }
}

/** Validates when a challenge is declared and the registration is not validated with it yet. */
async function validateIfDeclared(
  client: PcapClient,
  id: string,
  outputs: BucketOwnershipState,
  mustValidate: boolean,
): Promise<BucketOwnershipState> {
  if (!outputs.ownershipChallenge || !mustValidate) return outputs;
  const outcome = await validateAndWait(
    client,
    outputs.accountId,
    outputs.destinationConf,
    outputs.ownershipChallenge,
    outputs.validationTimeoutSeconds ?? DEFAULT_VALIDATION_TIMEOUT_SECONDS,
  );
  const validatedOutputs = stripUndefined({
    ...outputs,
    status: outcome.ownership.status,
    validated: outcome.ownership.validated,
    filename: outcome.ownership.filename,
  });
  if (!outcome.ok) throw new PartialFailure(id, validatedOutputs, outcome.reason);
  return validatedOutputs;
}

export const bucketOwnershipProvider: dynamic.ResourceProvider = {
  async configure(request) {
    configureProvider(request.config);
  },

  async check(_olds, news) {
    return checkWith(bucketOwnershipInputs, news);
  },

  async diff(_id, olds, news) {
    const old = readState(bucketOwnershipState, olds, "BucketOwnership");
    const replaces = registrationReplaces(news, old);
    const changed =
      replaces.length > 0 ||
      news.ownershipChallenge !== old.ownershipChallenge ||
      news.adopt !== old.adopt ||
      news.validationTimeoutSeconds !== old.validationTimeoutSeconds ||
      // A declared challenge that has not validated yet (a failed or timed-out earlier run, or drift
      // seen by refresh) is unfinished work for the next `up`.
      (news.ownershipChallenge !== undefined && old.status !== "success");
    return { changes: changed, replaces };
  },

  async create(news) {
    return keepingProvider(news, async () => {
      const inputs = bucketOwnershipInputs.parse(news);
      const { client, accountId } = contextFor(inputs.accountId);
      const ownership = await register(client, accountId, inputs);
      const outputs = outputsOf(ownership, accountId, inputs);
      try {
        return {
          id: ownership.id,
          outs: await validateIfDeclared(client, ownership.id, outputs, ownership.status !== "success"),
        };
      } catch (err) {
        if (err instanceof PartialFailure) throw err;
        // The registration exists: keep it in state whatever went wrong validating it, or the next
        // `up` would find the bucket registered by no resource (409) and could never converge.
        throw new PartialFailure(ownership.id, outputs, (err as Error).message);
      }
    });
  },

  async update(id, olds, news) {
    return keepingProvider(news, async () => {
      const old = readState(bucketOwnershipState, olds, "BucketOwnership");
      const inputs = bucketOwnershipInputs.parse(news);
      const { client } = contextFor(old.accountId);
      const outputs: BucketOwnershipState = stripUndefined({
        ...old,
        ownershipChallenge: inputs.ownershipChallenge,
        adopt: inputs.adopt,
        validationTimeoutSeconds: inputs.validationTimeoutSeconds,
      });
      const mustValidate = inputs.ownershipChallenge !== old.ownershipChallenge || old.status !== "success";
      return { outs: await validateIfDeclared(client, id, outputs, mustValidate) };
    });
  },

  async read(id, props) {
    const old = readState(bucketOwnershipState, props, "BucketOwnership");
    const { client } = contextFor(old.accountId);
    const current = (await sharedOwnershipList(client, old.accountId)).find((o) => o.id === id);
    if (!current) return {}; // deleted outside Pulumi: drop it from state
    const { validated: _stale, ...rest } = old;
    return {
      id,
      props: stripUndefined({
        ...rest,
        filename: current.filename,
        status: current.status,
        submitted: current.submitted,
        validated: current.validated,
      }),
    };
  },

  async delete(id, props) {
    const old = readState(bucketOwnershipState, props, "BucketOwnership");
    const { client } = contextFor(old.accountId);
    try {
      await client.deleteOwnership(old.accountId, id);
    } catch (err) {
      if (!(err instanceof PcapApiError && err.status === 404)) throw err;
    } finally {
      forgetOwnerships(old.accountId);
    }
  },
};
