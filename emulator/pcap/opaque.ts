import type { Prng } from "./prng";

/**
 * How synthetic data stays opaque to Wireshark: no dissector may claim it, or it would be decoded as
 * that protocol and flagged as malformed. Both choices below were measured with tshark 4.0 over
 * ~400k TCP and UDP packets on unclaimed ports: zero expert warnings.
 */

/**
 * First bytes of opaque TCP/UDP data. Random first bytes trip heuristic dissectors (RTCP, CLTP,
 * Thrift, …) on a fraction of packets; 0xff 0x00 satisfies none of them (0x00 alone still matched
 * Thrift's framed-compact test now and then, 0xff alone a few UDP heuristics).
 */
export const OPAQUE_PREFIX: readonly number[] = [0xff, 0x00];

/**
 * Ports that Wireshark 4.0 registers a dissector for inside the dynamic range (`tshark -G decodes`).
 * Client ports avoid them.
 */
const CLAIMED = new Set<number>([
  49999, 54328, 56000, 56001, 56500, 56501, 57000, 57001, 57032, 57033, 57500, 57501, 57532, 57533, 59000,
  59001, 59032, 59033, 59500, 59501, 59532, 59533, 60001,
]);

/** A client port from the IANA dynamic range (49152–65535) that no dissector claims. */
export function ephemeralPort(rng: Prng): number {
  for (;;) {
    const port = rng.int(49152, 65535);
    if (!CLAIMED.has(port)) return port;
  }
}
