/** Inputs and stored outputs of the two ownership resources. */
import { z } from "zod";
import {
  accountIdInput,
  booleanInput,
  destinationConfInput,
  ownershipChallengeInput,
  timeoutSecondsInput,
} from "../inputs";

export const bucketOwnershipInputs = z.object({
  destinationConf: destinationConfInput(),
  accountId: accountIdInput.optional(),
  ownershipChallenge: ownershipChallengeInput.optional(),
  adopt: booleanInput().optional(),
  validationTimeoutSeconds: timeoutSecondsInput.optional(),
});
export type BucketOwnershipInputs = z.infer<typeof bucketOwnershipInputs>;

export const bucketOwnershipValidationInputs = z.object({
  destinationConf: destinationConfInput(),
  ownershipChallenge: ownershipChallengeInput,
  accountId: accountIdInput.optional(),
  validationTimeoutSeconds: timeoutSecondsInput.optional(),
});
export type BucketOwnershipValidationInputs = z.infer<typeof bucketOwnershipValidationInputs>;

/** What a BucketOwnership keeps in state: everything later calls need, inputs included. */
export const bucketOwnershipState = z.object({
  accountId: z.string(),
  destinationConf: z.string(),
  filename: z.string(),
  status: z.string(),
  submitted: z.string().optional(),
  validated: z.string().optional(),
  ownershipChallenge: z.string().optional(),
  adopt: z.boolean().optional(),
  validationTimeoutSeconds: z.number().optional(),
});
export type BucketOwnershipState = z.infer<typeof bucketOwnershipState>;

export const bucketOwnershipValidationState = z.object({
  ownershipId: z.string(),
  accountId: z.string(),
  destinationConf: z.string(),
  status: z.string(),
  validated: z.string().optional(),
  ownershipChallenge: z.string(),
  validationTimeoutSeconds: z.number().optional(),
});
export type BucketOwnershipValidationState = z.infer<typeof bucketOwnershipValidationState>;
