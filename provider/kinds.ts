/**
 * The resource kinds, by the name their shims pass. Adding a kind: its definition (one file, see
 * resource.ts), a line here, and its SDK class.
 */
import { packetCapture } from "./capture/packet-capture";
import { bucketOwnership } from "./ownership/bucket-ownership";
import { bucketOwnershipValidation } from "./ownership/bucket-ownership-validation";
import { resourceProvider, type KindProvider } from "./resource";

/** The provider of each resource kind, by the name its shim asks for. */
export const providers = {
  BucketOwnership: resourceProvider(bucketOwnership),
  BucketOwnershipValidation: resourceProvider(bucketOwnershipValidation),
  PacketCapture: resourceProvider(packetCapture),
} satisfies Record<string, KindProvider>;

/** The name of a resource kind, as the shims pass it. */
export type ResourceKind = keyof typeof providers;
