import { ICMP, TCP, UDP } from "./filter";
import type { Prng } from "./prng";
import { dnsApp, httpApp, ntpApp, quicApp, tlsApp } from "./apps-services";
import { espApp, greApp, ipipApp, sixInFourApp } from "./apps-tunnels";
import { OPAQUE_PREFIX } from "./opaque";

/**
 * What a flow's payload looks like to a dissector. Every payload is `header` followed by pool bytes;
 * the header (a TLS record header, an HTTP head, an inner IPv4 header…) is what lets Wireshark's
 * port- and protocol-based dissectors see well-formed data. It is part of the flow's template, so a
 * constant header costs nothing per packet; `patch` rewrites its per-packet fields (lengths, ids).
 */
export interface App {
  minPayload: number;
  /** Upper bound on the payload, when the protocol has one (e.g. NTP's fixed 48 bytes). */
  maxPayload?: number;
  header: Uint8Array;
  patch?: Patch;
}

/**
 * Rewrites per-packet fields of the header already copied to bytes[at, at + header.length), for a
 * payload of `length` bytes. `dataSum` is the folded checksum word sum of the pool bytes after the
 * header, aligned to the payload start, for headers that embed a checksum (tunnels).
 */
export type Patch = (bytes: Uint8Array, at: number, length: number, dataSum: number, rng: Prng) => void;

/** Opaque TCP/UDP data: a prefix no heuristic dissector accepts, then pool bytes. */
const OPAQUE: App = { minPayload: OPAQUE_PREFIX.length + 1, header: Uint8Array.from(OPAQUE_PREFIX) };

/**
 * SSH after key exchange: opaque, but Wireshark takes the last bytes as the MAC, so a packet needs
 * room for length, one cipher block and a MAC (4 + 16 + 16 bytes).
 */
const SSH: App = { ...OPAQUE, minPayload: 36 };

/** Service apps by port, built per flow (they may hold per-flow state such as a QUIC connection id). */
const TCP_APPS: ReadonlyMap<number, (request: boolean, rng: Prng) => App> = new Map([
  [443, tlsApp],
  [8443, tlsApp],
  [853, tlsApp],
  [80, httpApp],
  [8080, httpApp],
  [53, (request: boolean, rng: Prng) => dnsApp(request, rng, true)],
  [123, ntpApp],
  [22, () => SSH],
]);
const UDP_APPS: ReadonlyMap<number, (request: boolean, rng: Prng) => App> = new Map([
  [443, quicApp],
  [53, (request: boolean, rng: Prng) => dnsApp(request, rng, false)],
  [123, ntpApp],
]);

export interface Endpoints {
  protocol: number;
  sport: number;
  dport: number;
}

/**
 * The app for a flow, chosen the way Wireshark picks a dissector: the lower port first, then the
 * higher. `undefined` means raw pool bytes (ICMP echo data, unknown IP protocols).
 */
export function appFor({ protocol, sport, dport }: Endpoints, rng: Prng): App | undefined {
  if (protocol === TCP || protocol === UDP) {
    const apps = protocol === TCP ? TCP_APPS : UDP_APPS;
    for (const port of sport <= dport ? [sport, dport] : [dport, sport]) {
      const make = apps.get(port);
      if (make) return make(port === dport, rng);
    }
    return OPAQUE;
  }
  switch (protocol) {
    case ICMP:
      return undefined;
    case 4:
      return ipipApp(rng);
    case 41:
      return sixInFourApp(rng);
    case 47:
      return greApp(rng);
    case 50:
      return espApp(rng);
    default:
      return undefined;
  }
}
