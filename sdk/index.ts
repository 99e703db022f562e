/**
 * pulumi-cloudflare-pcap: Cloudflare packet captures and the buckets they write to, as Pulumi resources.
 */
export { BucketOwnership, type BucketOwnershipArgs } from "./bucket-ownership";
export { BucketOwnershipValidation, type BucketOwnershipValidationArgs } from "./bucket-ownership-validation";
export { PacketCapture, type PacketCaptureArgs, type PacketCaptureFilterArgs } from "./packet-capture";
export {
  getBucketOwnerships,
  getBucketOwnershipsOutput,
  getPacketCaptures,
  getPacketCapturesOutput,
  getPacketCapture,
  getPacketCaptureOutput,
  downloadPacketCapture,
  type AccountArgs,
  type GetPacketCaptureArgs,
  type DownloadPacketCaptureArgs,
} from "./functions";
export type { DownloadProgress, DownloadResult } from "../client/download";
export type {
  BucketOwnership as BucketOwnershipInfo,
  Capture,
  CaptureFilter,
  CaptureRequest,
  CaptureStatus,
  CaptureType,
  OwnershipStatus,
} from "../client/types";
