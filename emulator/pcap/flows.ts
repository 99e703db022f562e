import { localMac, macFor, parseIpv4, publicAddress } from "./addresses";
import { ICMP, TCP, UDP, type PacketFilter } from "./filter";
import { type Patch, appFor } from "./apps";
import { fold, sum32, sumBytes } from "./checksum";
import { ephemeralPort } from "./opaque";
import { Prng } from "./prng";

export const ETHERNET_LEN = 14;
export const IPV4_LEN = 20;
/** Ethernet MTU: synthetic packets stay within it, as real traffic seen on an edge link does. */
export const MTU = 1500;

/**
 * One synthetic conversation: a fixed 5-tuple (or address pair for port-less protocols) whose packets
 * share a pre-built header template, so the hot path only patches the fields that change.
 */
export interface Flow {
  protocol: number;
  l4Len: number;
  /** Ethernet + IPv4 + transport header bytes. */
  headerLen: number;
  minPayload: number;
  maxPayload: number;
  /**
   * The headers plus the application header, with every per-packet field (lengths, id, seq,
   * checksums) zero.
   */
  template: Uint8Array;
  /** Length and folded word sum of the application header, the first bytes of every payload. */
  appLen: number;
  appSum: number;
  /** Rewrites the application header's per-packet fields; without it the header is constant. */
  patch: Patch | undefined;
  /** Word sum of the template's constant IPv4 header fields. */
  ipSum: number;
  /** Word sum of the constant transport fields plus the pseudo-header (without its length). */
  l4Sum: number;
  /** TCP: next sequence number; ICMP: next echo sequence number. */
  seq: number;
  /**
   * ICMP only: the echo-reply template of the opposite direction. Set when the filter admits both
   * directions; the flow then sends requests, each followed by its reply. Without it the flow sends
   * replies only: an unanswered request is a warning in Wireshark, an unrequested reply is not.
   */
  reply: Flow | undefined;
}

/** Services picked when the filter leaves the port open; their payloads dissect cleanly (see apps.ts). */
const TCP_SERVICES = [443, 443, 443, 80, 22, 8443] as const;
const UDP_SERVICES = [443, 443, 53, 123] as const;

function transportLength(protocol: number): number {
  if (protocol === TCP) return 20;
  if (protocol === UDP || protocol === ICMP) return 8;
  return 0;
}

interface Tuple {
  protocol: number;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  toServer: boolean;
  icmpId: number;
}

const MIX = [TCP, UDP, ICMP];

function drawTuple(rng: Prng, filter: PacketFilter, servers: number[], preferred: number | undefined): Tuple {
  const hasPorts = filter.sourcePort !== undefined || filter.destinationPort !== undefined;
  let protocol = filter.protocol;
  if (protocol === undefined) {
    const r = rng.nextFloat();
    if (preferred !== undefined && !(hasPorts && preferred === ICMP)) protocol = preferred;
    else protocol = hasPorts ? (r < 0.8 ? TCP : UDP) : r < 0.7 ? TCP : r < 0.92 ? UDP : ICMP;
  }
  // Most sampled edge traffic flows towards the customer's servers; the rest is their replies.
  const toServer = rng.nextFloat() < 0.75;
  const client = publicAddress(rng);
  const server = rng.pick(servers);
  const src =
    filter.sourceAddress !== undefined ? parseIpv4(filter.sourceAddress) : toServer ? client : server;
  const dst =
    filter.destinationAddress !== undefined
      ? parseIpv4(filter.destinationAddress)
      : toServer
        ? server
        : client;
  let sport = 0;
  let dport = 0;
  if (protocol === TCP || protocol === UDP) {
    const service = rng.pick(protocol === TCP ? TCP_SERVICES : UDP_SERVICES);
    const ephemeral = ephemeralPort(rng);
    // A filter on one port fixes the direction: the other end is then a client's ephemeral port.
    const { sourcePort, destinationPort } = filter;
    if (sourcePort !== undefined || destinationPort !== undefined) {
      sport = sourcePort ?? ephemeral;
      dport = destinationPort ?? ephemeral;
    } else {
      sport = toServer ? ephemeral : service;
      dport = toServer ? service : ephemeral;
    }
  }
  return { protocol, src, dst, sport, dport, toServer, icmpId: rng.int(1, 65535) };
}

function buildTemplate(
  t: Tuple,
  ttl: number,
  macs: { router: number[]; host: number[] },
  rng: Prng,
  icmpType = 0,
): Flow {
  const l4Len = transportLength(t.protocol);
  const headerLen = ETHERNET_LEN + IPV4_LEN + l4Len;
  const app = appFor(t, rng);
  const appHeader = app?.header ?? new Uint8Array(0);
  const template = new Uint8Array(headerLen + appHeader.length);
  template.set(appHeader, headerLen);
  const view = new DataView(template.buffer);
  // Traffic to the servers arrives from the edge router; replies leave through it.
  const [fromMac, toMac] = t.toServer ? [macs.router, macs.host] : [macs.host, macs.router];
  template.set(macFor(t.dst, toMac), 0);
  template.set(fromMac, 6);
  view.setUint16(12, 0x0800);
  const ip = ETHERNET_LEN;
  view.setUint16(ip, 0x4500); // version 4, IHL 5, DSCP/ECN 0
  view.setUint16(ip + 6, 0x4000); // DF: senders on modern paths use PMTU discovery
  view.setUint8(ip + 8, ttl);
  view.setUint8(ip + 9, t.protocol);
  view.setUint32(ip + 12, t.src);
  view.setUint32(ip + 16, t.dst);
  const ipSum = 0x4500 + 0x4000 + ((ttl << 8) | t.protocol) + sum32(t.src) + sum32(t.dst);

  const l4 = ip + IPV4_LEN;
  const pseudo = sum32(t.src) + sum32(t.dst) + t.protocol;
  let l4Sum = 0;
  let seq = 0;
  if (t.protocol === TCP) {
    const ack = rng.nextU32();
    const window = rng.int(1024, 65535);
    view.setUint16(l4, t.sport);
    view.setUint16(l4 + 2, t.dport);
    view.setUint32(l4 + 8, ack);
    view.setUint16(l4 + 14, window);
    l4Sum = pseudo + t.sport + t.dport + sum32(ack) + window;
    seq = rng.nextU32();
  } else if (t.protocol === UDP) {
    view.setUint16(l4, t.sport);
    view.setUint16(l4 + 2, t.dport);
    l4Sum = pseudo + t.sport + t.dport;
  } else if (t.protocol === ICMP) {
    view.setUint16(l4, icmpType << 8); // echo request (8) or reply (0), code 0
    view.setUint16(l4 + 4, t.icmpId);
    l4Sum = (icmpType << 8) + t.icmpId;
    seq = rng.int(0, 65535);
  }
  return {
    protocol: t.protocol,
    l4Len,
    headerLen,
    minPayload: app?.minPayload ?? 1,
    maxPayload: Math.min(MTU - IPV4_LEN - l4Len, app?.maxPayload ?? Infinity),
    template,
    appLen: appHeader.length,
    appSum: fold(sumBytes(appHeader, 0, appHeader.length)),
    patch: app?.patch,
    ipSum,
    l4Sum,
    seq,
    reply: undefined,
  };
}

/**
 * The capture's conversations, all within the filter. Tuples are unique so each TCP sequence space and
 * ICMP echo id belongs to one flow; a filter that pins the whole tuple yields a single flow.
 */
export function buildFlows(seed: string, filter: PacketFilter | undefined): Flow[] {
  const rng = new Prng(seed, "flows");
  const macs = { router: localMac(rng), host: localMac(rng) };
  // A customer prefix: a few servers in one /24.
  const prefix = publicAddress(rng) & 0xffffff00;
  const servers = [0, 1, 2].map(() => (prefix | rng.int(1, 254)) >>> 0);
  const wanted = rng.int(4, 16);
  const flows: Flow[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; attempt < wanted * 8 && flows.length < wanted; attempt++) {
    // The first flows cover TCP, UDP and ICMP when the filter allows them, so every capture shows the mix.
    const tuple = drawTuple(rng, filter ?? {}, servers, MIX[attempt]);
    // Wireshark joins both directions into one conversation, so the key ignores direction; ICMP
    // conversations are told apart by echo id.
    const ends = [`${tuple.src}:${tuple.sport}`, `${tuple.dst}:${tuple.dport}`].sort();
    const key = [tuple.protocol, ...ends, tuple.protocol === ICMP ? tuple.icmpId : 0].join("/");
    if (seen.has(key)) continue;
    seen.add(key);
    const ttl = () => rng.pick([64, 128, 255]) - rng.int(2, 24);
    if (tuple.protocol !== ICMP) {
      flows.push(buildTemplate(tuple, ttl(), macs, rng));
    } else if (filter?.sourceAddress === undefined && filter?.destinationAddress === undefined) {
      const request = buildTemplate(tuple, ttl(), macs, rng, 8);
      const back = { ...tuple, src: tuple.dst, dst: tuple.src, toServer: !tuple.toServer };
      request.reply = buildTemplate(back, ttl(), macs, rng, 0);
      flows.push(request);
    } else {
      flows.push(buildTemplate(tuple, ttl(), macs, rng, 0));
    }
  }
  return flows;
}
