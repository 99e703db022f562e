/**
 * pulumi-cloudflare-pcap: Cloudflare packet captures as Pulumi resources.
 *
 * The resource classes arrive with the bucket-onboarding and capture issues; until then the package
 * exposes the API's domain types so programs can type what they read from the API.
 */
export type {
  BucketOwnership,
  Capture,
  CaptureFilter,
  CaptureRequest,
  CaptureStatus,
  CaptureType,
  OwnershipStatus,
} from "../provider/api/types";
