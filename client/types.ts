/**
 * Domain types of the PCAP API, in camelCase. These are what every layer above `client/` sees;
 * the wire's snake_case names live only in `wire.ts`.
 */

/** Capture types the API accepts. */
export type CaptureType = "simple" | "full";

/**
 * A capture's status. The API documents the listed values but may add more: any other string is
 * treated as "still in progress" (see {@link isCaptureDone}).
 */
export type CaptureStatus =
  | "unknown"
  | "success"
  | "pending"
  | "running"
  | "conversion_pending"
  | "conversion_running"
  | "complete"
  | "failed"
  | (string & {});

/** A bucket ownership's status. */
export type OwnershipStatus = "pending" | "success" | "failed" | (string & {});

/** Which packets a capture keeps; every field optional, absent = any. */
export interface CaptureFilter {
  sourceAddress?: string;
  destinationAddress?: string;
  /** IP protocol number (6 = TCP, 17 = UDP, 1 = ICMP). */
  protocol?: number;
  sourcePort?: number;
  destinationPort?: number;
}

/** A sampled capture: the first 160 bytes of packets that already passed; completes soon. */
export interface SimpleCaptureRequest {
  type: "simple";
  system: string;
  timeLimit: number;
  packetLimit: number;
  filter?: CaptureFilter;
  /** RFC 3339; within the last 24 hours. */
  offsetTime?: string;
}

/** A full capture of new traffic, written as pcap files into a validated bucket. */
export interface FullCaptureRequest {
  type: "full";
  system: string;
  timeLimit: number;
  coloName: string;
  destinationConf: string;
  byteLimit?: number;
  packetLimit?: number;
  filter?: CaptureFilter;
}

/** The body of a capture request: its `type` says which shape. */
export type CaptureRequest = SimpleCaptureRequest | FullCaptureRequest;

/**
 * A capture as the API reports it. Only `id` and `status` are always present. The API never reports
 * the packet limit a capture was requested with (PCAP-API.md, "Capture object"), so neither does this.
 */
export interface Capture {
  id: string;
  status: CaptureStatus;
  type?: CaptureType | (string & {});
  system?: string;
  timeLimit?: number;
  filter?: CaptureFilter;
  /** RFC 3339. */
  submitted?: string;
  offsetTime?: string;
  byteLimit?: number;
  coloName?: string;
  destinationConf?: string;
  packetsCaptured?: number;
  /** RFC 3339; set once stop was requested. */
  stopRequested?: string;
  errorMessage?: string;
}

/** A bucket registered for full captures. */
export interface BucketOwnership {
  id: string;
  destinationConf: string;
  /** Name of the challenge file Cloudflare wrote into the bucket. */
  filename: string;
  status: OwnershipStatus;
  /** RFC 3339. */
  submitted?: string;
  /** RFC 3339; absent until validated (the API sends "" before). */
  validated?: string;
}

/** True once a capture has finished, successfully or not. Unknown statuses are still in progress. */
export function isCaptureDone(status: CaptureStatus): boolean {
  return status === "success" || status === "complete" || status === "failed";
}

/**
 * Why a capture failed, for a person: the API's `error_message` where it sends one. Simple captures
 * carry no `error_message` in the published schema, so for them the usual cause is named instead.
 */
export function failureReason(capture: Pick<Capture, "type" | "errorMessage">): string {
  if (capture.errorMessage) return capture.errorMessage;
  return capture.type === "simple"
    ? "Cloudflare reports no reason for simple captures; the usual one is a filter that matched no traffic"
    : "Cloudflare gave no reason";
}

/** True while a full capture still collects or converts packets: stopping it is meaningful. */
export function isCaptureActive(status: CaptureStatus): boolean {
  return !isCaptureDone(status) && status !== "unknown";
}
