/** The PCAP API client: everything the provider (or any other program) needs to talk to the API. */
export * from "./types";
export * from "./errors";
export { PcapClient, type PcapClientOptions, type CallOptions, type ClientLogEvent } from "./client";
export type { Credentials } from "./credentials";
export type { RetryOptions } from "./backoff";
export { DEFAULT_BASE_URL, type Timeouts } from "./http";
export { DEFAULT_RATE_LIMIT, formatRateLimit, parseRateLimit, type RateLimitBudget } from "./rate-limiter";
export type { DownloadOptions, DownloadProgress, DownloadResult } from "./download";
export {
  LIMITS,
  CAPTURE_SYSTEMS,
  CAPTURE_TYPES,
  DESTINATION_SCHEMES,
  ID_FORM,
  isCloudflareId,
  parseDestination,
  type Destination,
  type Range,
} from "./rules";
export { WRITE_BUFFER_BYTES, writeFileAtomically, partialPathFor } from "./atomic-file";
export * from "./pcap";
export {
  saveCapture,
  fetchableBucket,
  PcapCaptureNotReadyError,
  PcapCaptureFailedError,
  type SaveCaptureOptions,
  type SaveProgress,
  type SaveResult,
  type SavedPart,
} from "./save-capture";
export * from "./bucket";
