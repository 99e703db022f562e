/**
 * BucketOwnershipValidation: the certificate-validation pattern. It proves ownership of a bucket that a
 * BucketOwnership registered, with a challenge read from the bucket in the same program, so one
 * `pulumi up` registers, reads and validates. Its delete removes nothing on Cloudflare: the
 * registration belongs to the BucketOwnership.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { checkWith, stripUndefined } from "../check";
import { accountIdFor, configureProvider, contextFor } from "../context";
import { logLine } from "../log";
import { PartialFailure, keepingProvider } from "../partial-failure";
import { readState } from "../state";
import { registrationReplaces } from "./replaces";
import { PcapApiError } from "../../client/errors";
import { sharedOwnershipList } from "./lookup";
import {
  bucketOwnershipValidationInputs,
  bucketOwnershipValidationState,
  type BucketOwnershipValidationInputs,
  type BucketOwnershipValidationState,
} from "./schemas";
import { DEFAULT_VALIDATION_TIMEOUT_SECONDS, validateAndWait, type ValidationOutcome } from "./validate";

/** Sends the challenge and waits; the state records the outcome, and a failure keeps it in state. */
async function validate(
  accountId: string,
  inputs: BucketOwnershipValidationInputs,
): Promise<{ id: string; outs: BucketOwnershipValidationState }> {
  const { client } = contextFor(accountId);
  let outcome: ValidationOutcome;
  try {
    outcome = await validateAndWait(
      client,
      accountId,
      inputs.destinationConf,
      inputs.ownershipChallenge,
      inputs.validationTimeoutSeconds ?? DEFAULT_VALIDATION_TIMEOUT_SECONDS,
    );
  } catch (err) {
    // The validate answer is the ownership itself, so no list is needed to find it; a 404 says the
    // bucket was never registered.
    if (err instanceof PcapApiError && err.status === 404) {
      throw new Error(
        `validate bucket ${inputs.destinationConf} in account ${accountId}: the bucket is not registered. ` +
          "Declare a BucketOwnership for it and pass its `destinationConf` output to this resource, so the " +
          "registration happens first.",
      );
    }
    throw err;
  }
  const outs: BucketOwnershipValidationState = stripUndefined({
    ownershipId: outcome.ownership.id,
    accountId,
    destinationConf: inputs.destinationConf,
    status: outcome.ownership.status,
    validated: outcome.ownership.validated,
    ownershipChallenge: inputs.ownershipChallenge,
    validationTimeoutSeconds: inputs.validationTimeoutSeconds,
  });
  if (!outcome.ok) throw new PartialFailure(outcome.ownership.id, outs, outcome.reason);
  return { id: outcome.ownership.id, outs };
}

export const bucketOwnershipValidationProvider: dynamic.ResourceProvider = {
  async configure(request) {
    configureProvider(request.config);
  },

  async check(_olds, news) {
    return checkWith(bucketOwnershipValidationInputs, news);
  },

  async diff(_id, olds, news) {
    const old = readState(bucketOwnershipValidationState, olds, "BucketOwnershipValidation");
    const replaces = registrationReplaces(news, old);
    const changed =
      replaces.length > 0 ||
      news.ownershipChallenge !== old.ownershipChallenge ||
      news.validationTimeoutSeconds !== old.validationTimeoutSeconds ||
      old.status !== "success";
    return { changes: changed, replaces };
  },

  async create(news) {
    return keepingProvider(news, async () => {
      const inputs = bucketOwnershipValidationInputs.parse(news);
      return validate(accountIdFor(inputs.accountId), inputs);
    });
  },

  async update(_id, olds, news) {
    return keepingProvider(news, async () => {
      const old = readState(bucketOwnershipValidationState, olds, "BucketOwnershipValidation");
      const inputs = bucketOwnershipValidationInputs.parse(news);
      const mustValidate = inputs.ownershipChallenge !== old.ownershipChallenge || old.status !== "success";
      if (mustValidate) return { outs: (await validate(old.accountId, inputs)).outs };
      return {
        outs: stripUndefined({
          ...old,
          ownershipChallenge: inputs.ownershipChallenge,
          validationTimeoutSeconds: inputs.validationTimeoutSeconds,
        }),
      };
    });
  },

  async read(id, props) {
    const old = readState(bucketOwnershipValidationState, props, "BucketOwnershipValidation");
    const { client } = contextFor(old.accountId);
    const current = (await sharedOwnershipList(client, old.accountId)).find((o) => o.id === id);
    if (!current) return {}; // the registration is gone, and with it this validation
    const { validated: _stale, ...rest } = old;
    return { id, props: stripUndefined({ ...rest, status: current.status, validated: current.validated }) };
  },

  async delete(_id, props) {
    const old = readState(bucketOwnershipValidationState, props, "BucketOwnershipValidation");
    logLine(
      `validation of ${old.destinationConf} removed from state; the registration stays with its BucketOwnership`,
    );
  },
};
