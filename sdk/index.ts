/**
 * pulumi-cloudflare-pcap: Cloudflare packet captures and the buckets they write to, as Pulumi resources.
 */
export { BucketOwnership, type BucketOwnershipArgs } from "./bucket-ownership";
export { BucketOwnershipValidation, type BucketOwnershipValidationArgs } from "./bucket-ownership-validation";
export { getBucketOwnerships, getBucketOwnershipsOutput, type AccountArgs } from "./functions";
export type {
  BucketOwnership as BucketOwnershipInfo,
  Capture,
  CaptureFilter,
  CaptureRequest,
  CaptureStatus,
  CaptureType,
  OwnershipStatus,
} from "../provider/api/types";
