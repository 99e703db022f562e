import { filterCanMatch, type PacketFilter } from "./filter";

export const PCAP_MAGIC = 0xa1b2c3d4;
export const GLOBAL_HEADER_LEN = 24;
export const RECORD_HEADER_LEN = 16;
export const DEFAULT_SNAPLEN = 160;
/** tcpdump's ceiling for snaplen. */
const MAX_SNAPLEN = 262144;

export interface SyntheticPcapOptions {
  /** e.g. the capture id: same seed + options => byte-identical output. */
  seed: string;
  /** Exactly this many packets (ignored when targetBytes is set). */
  packetCount: number;
  /** Every packet matches it: addresses, protocol, ports. */
  filter?: PacketFilter;
  /** Default 160 (simple captures); 65535 for full captures. */
  snaplen?: number;
  /** Timestamp of the first packet (ms since the epoch). */
  startTimeMs: number;
  /** Packets are spread over this window. */
  durationSeconds: number;
  /**
   * When set, packets are emitted until the file is exactly this many bytes (packetCount is ignored);
   * only "about" when the snaplen is too small for records to be sized freely.
   */
  targetBytes?: number;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(`synthetic pcap: ${message}`);
}

/**
 * Throws a RangeError for options no file can honour, so callers fail before sending a byte; returns
 * whether the file holds any packet at all.
 */
export function validateOptions(options: SyntheticPcapOptions, snaplen: number): boolean {
  const { seed, packetCount, filter, startTimeMs, durationSeconds, targetBytes } = options;
  check(typeof seed === "string", "seed must be a string");
  check(Number.isSafeInteger(packetCount) && packetCount >= 0, "packetCount must be an integer ≥ 0");
  check(Number.isInteger(snaplen) && snaplen >= 1 && snaplen <= MAX_SNAPLEN, "snaplen must be 1–262144");
  check(Number.isFinite(startTimeMs) && startTimeMs >= 0, "startTimeMs must be a time ≥ 0");
  check(Number.isFinite(durationSeconds) && durationSeconds >= 0, "durationSeconds must be ≥ 0");
  // pcap stores seconds as an unsigned 32-bit number: the window must end before 2106.
  check(startTimeMs / 1000 + durationSeconds < 2 ** 32, "the capture window must end before 2106");
  check(
    targetBytes === undefined || (Number.isSafeInteger(targetBytes) && targetBytes >= 0),
    "targetBytes must be an integer ≥ 0",
  );
  const wantsPackets = targetBytes === undefined ? packetCount > 0 : targetBytes > GLOBAL_HEADER_LEN;
  check(!wantsPackets || filterCanMatch(filter), "no packet can match the filter");
  return wantsPackets;
}
