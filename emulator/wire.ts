/**
 * The emulator's own reading of the wire's objects (PCAP-API.md, "Capture object" and "Bucket
 * ownership"). Deliberately not shared with the client: a misreading on either side must show up as a
 * failing test, not be agreed on by both.
 */

/** `filter_v1`, as sent in a request and echoed in captures. */
export interface WireFilter {
  source_address?: string;
  destination_address?: string;
  protocol?: number;
  source_port?: number;
  destination_port?: number;
}

/**
 * A capture object as the emulator sends it. Simple captures carry only the common fields and
 * `offset_time`; full captures the common fields and the full-only ones. There is no `packet_limit`:
 * the official SDK declares none on either type, so no client may depend on it being echoed.
 */
export interface WireCapture {
  id: string;
  type: "simple" | "full";
  system: string;
  time_limit: number;
  filter_v1: WireFilter;
  submitted: string;
  status: string;
  /** Simple only. */
  offset_time?: string;
  /** Full only. */
  colo_name?: string;
  destination_conf?: string;
  byte_limit?: number;
  packets_captured?: number;
  stop_requested?: string;
  error_message?: string;
}

/** A bucket ownership as the API sends it (snake_case). */
export interface WireOwnership {
  id: string;
  destination_conf: string;
  filename: string;
  status: "pending" | "success" | "failed";
  submitted: string;
  /** `""` until validated (as the docs show). */
  validated: string;
}
