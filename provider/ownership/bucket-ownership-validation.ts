/**
 * BucketOwnershipValidation: the certificate-validation pattern. It proves ownership of a bucket that a
 * BucketOwnership registered, with a challenge read from the bucket in the same program, so one
 * `pulumi up` registers, reads and validates. Its delete removes nothing on Cloudflare: the
 * registration belongs to the BucketOwnership.
 */
import { PcapNotFoundError } from "../../client/errors";
import { logLine } from "../log";
import { PartialFailure } from "../partial-failure";
import type { ResourceDefinition } from "../resource";
import type { Account } from "../runtime";
import { sharedOwnershipList } from "./lookup";
import {
  bucketOwnershipValidationInputs,
  bucketOwnershipValidationState,
  type BucketOwnershipValidationInputs,
  type BucketOwnershipValidationState,
} from "./schemas";
import { validateAndWait, type ValidationOutcome } from "./validate";

export const bucketOwnershipValidation: ResourceDefinition<
  BucketOwnershipValidationInputs,
  BucketOwnershipValidationState
> = {
  kind: "BucketOwnershipValidation",
  inputs: bucketOwnershipValidationInputs,
  state: bucketOwnershipValidationState,
  secrets: ["ownershipChallenge"],
  replaceOn: ["destinationConf"],
  updateOn: ["ownershipChallenge", "validationTimeoutSeconds"],
  // Not validated yet (a failed or timed-out earlier run, or drift seen by refresh): validate again.
  unfinished: (old) => old.status !== "success",

  async create(runtime, inputs) {
    const state = await validate(runtime.account(inputs.accountId), inputs);
    return { id: state.ownershipId, state };
  },

  async update(runtime, _id, old, inputs) {
    if (inputs.ownershipChallenge !== old.ownershipChallenge || old.status !== "success") {
      return validate(runtime.account(old.accountId), inputs);
    }
    const { ownershipChallenge, validationTimeoutSeconds } = inputs;
    return { ...old, ownershipChallenge, validationTimeoutSeconds };
  },

  async read(runtime, id, old) {
    const current = (await sharedOwnershipList(runtime.account(old.accountId))).find((o) => o.id === id);
    if (!current) return undefined; // the registration is gone, and with it this validation
    return { ...old, status: current.status, validated: current.validated };
  },

  async delete(_runtime, _id, old) {
    logLine(
      `validation of ${old.destinationConf} removed from state; the registration stays with its BucketOwnership`,
    );
  },
};

/** Sends the challenge and waits; the state records the outcome, and a failure keeps it in state. */
async function validate(
  account: Account,
  inputs: BucketOwnershipValidationInputs,
): Promise<BucketOwnershipValidationState> {
  let outcome: ValidationOutcome;
  try {
    outcome = await validateAndWait(
      account,
      inputs.destinationConf,
      inputs.ownershipChallenge,
      inputs.validationTimeoutSeconds,
    );
  } catch (err) {
    // The validate answer is the ownership itself, so no list is needed to find it; a 404 says the
    // bucket was never registered.
    if (err instanceof PcapNotFoundError) {
      throw new Error(
        `validate bucket ${inputs.destinationConf} in account ${account.id}: the bucket is not registered. ` +
          "Declare a BucketOwnership for it and pass its `destinationConf` output to this resource, so the " +
          "registration happens first.",
      );
    }
    throw err;
  }
  const state: BucketOwnershipValidationState = {
    ownershipId: outcome.ownership.id,
    accountId: account.id,
    destinationConf: inputs.destinationConf,
    status: outcome.ownership.status,
    validated: outcome.ownership.validated,
    ownershipChallenge: inputs.ownershipChallenge,
    validationTimeoutSeconds: inputs.validationTimeoutSeconds,
  };
  if (!outcome.ok) throw new PartialFailure(outcome.ownership.id, state, outcome.reason);
  return state;
}
