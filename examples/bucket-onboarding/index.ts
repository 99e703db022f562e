// The program `pulumi up` runs: the resources are declared in program.ts.
import { bucketOnboarding } from "./program";

export const {
  ownershipId,
  challengeFile,
  ownershipStatus,
  captureId,
  captureStatus,
  packetsCaptured,
  captureObjects,
  captureFiles,
} = bucketOnboarding();
