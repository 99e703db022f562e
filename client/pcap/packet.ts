/**
 * Decoding a captured packet down to its flow: link layer (Ethernet with 802.1Q/802.1ad tags, raw IP,
 * Linux cooked v1/v2, BSD loopback), IPv4 (header length honoured; only a first fragment has ports) or
 * IPv6 (hop-by-hop, routing, fragment, destination-options and AH headers skipped), and the TCP or UDP
 * ports. Only the outermost IP header counts: a tunnel (IP-in-IP, GRE) is a flow of the tunnel's
 * protocol between its endpoints, as the first `ip.src`/`ip.dst` Wireshark shows.
 */

/** The unidirectional 5-tuple of one packet; ports only for TCP and UDP whose header was captured. */
export interface PacketFlow {
  protocolNumber: number;
  source: string;
  destination: string;
  sourcePort?: number;
  destinationPort?: number;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q, 802.1ad (QinQ outer tag) and the older QinQ value. */
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
/** IPv6 extension headers whose length is (byte 1 + 1) × 8: hop-by-hop, routing, destination options. */
const IPV6_OPTION_HEADERS = new Set([0, 43, 60]);
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const TCP = 6;
const UDP = 17;

/** The flow of a packet of `linkType`, or undefined when it is not IP (ARP, LLDP, …) or cut too short. */
export function decodeFlow(linkType: number, data: Buffer): PacketFlow | undefined {
  const network = networkLayer(linkType, data);
  if (!network) return undefined;
  if (network.type === ETHERTYPE_IPV4) return ipv4(data, network.offset);
  if (network.type === ETHERTYPE_IPV6) return ipv6(data, network.offset);
  return undefined;
}

/** Where the network layer starts and its EtherType. */
function networkLayer(linkType: number, d: Buffer): { type: number; offset: number } | undefined {
  switch (linkType) {
    case 1: // Ethernet
      return ethertypeAt(d, 12);
    case 113: // Linux cooked capture v1: the protocol is the header's last two bytes
      return ethertypeAt(d, 14);
    case 276: // Linux cooked capture v2: the protocol comes first
      return d.length >= 20 ? { type: d.readUInt16BE(0), offset: 20 } : undefined;
    case 101: // raw IP: the version nibble says which
      return d.length > 0 ? rawIp(d[0] >> 4, 0) : undefined;
    case 228:
      return { type: ETHERTYPE_IPV4, offset: 0 };
    case 229:
      return { type: ETHERTYPE_IPV6, offset: 0 };
    case 0: {
      // BSD loopback: an address family in the capturing host's byte order
      if (d.length < 4) return undefined;
      const family = d[0] === 0 ? d.readUInt32BE(0) : d.readUInt32LE(0);
      if (family === 2) return { type: ETHERTYPE_IPV4, offset: 4 };
      return [10, 24, 28, 30].includes(family) ? { type: ETHERTYPE_IPV6, offset: 4 } : undefined;
    }
    default:
      return undefined;
  }
}

function rawIp(version: number, offset: number): { type: number; offset: number } | undefined {
  if (version === 4) return { type: ETHERTYPE_IPV4, offset };
  if (version === 6) return { type: ETHERTYPE_IPV6, offset };
  return undefined;
}

/** The EtherType at `at`, after any VLAN tags. */
function ethertypeAt(d: Buffer, at: number): { type: number; offset: number } | undefined {
  let offset = at;
  for (;;) {
    if (d.length < offset + 2) return undefined;
    const type = d.readUInt16BE(offset);
    if (!VLAN_TAGS.has(type)) return { type, offset: offset + 2 };
    offset += 4;
  }
}

function ipv4(d: Buffer, at: number): PacketFlow | undefined {
  if (d.length < at + 20 || d[at] >> 4 !== 4) return undefined;
  const headerBytes = (d[at] & 0x0f) * 4;
  if (headerBytes < 20) return undefined;
  const protocolNumber = d[at + 9];
  const firstFragment = (d.readUInt16BE(at + 6) & 0x1fff) === 0;
  const flow: PacketFlow = {
    protocolNumber,
    source: `${d[at + 12]}.${d[at + 13]}.${d[at + 14]}.${d[at + 15]}`,
    destination: `${d[at + 16]}.${d[at + 17]}.${d[at + 18]}.${d[at + 19]}`,
  };
  if (firstFragment) addPorts(flow, d, at + headerBytes);
  return flow;
}

function ipv6(d: Buffer, at: number): PacketFlow | undefined {
  if (d.length < at + 40 || d[at] >> 4 !== 6) return undefined;
  let next = d[at + 6];
  let offset = at + 40;
  let firstFragment = true;
  // Extension headers until the upper-layer protocol (or one we do not know how to skip).
  for (;;) {
    if (d.length < offset + 8) break;
    if (IPV6_OPTION_HEADERS.has(next)) {
      [next, offset] = [d[offset], offset + (d[offset + 1] + 1) * 8];
    } else if (next === IPV6_FRAGMENT) {
      firstFragment = d.readUInt16BE(offset + 2) >> 3 === 0;
      [next, offset] = [d[offset], offset + 8];
    } else if (next === IPV6_AH) {
      [next, offset] = [d[offset], offset + (d[offset + 1] + 2) * 4];
    } else break;
  }
  const flow: PacketFlow = {
    protocolNumber: next,
    source: ipv6Text(d, at + 8),
    destination: ipv6Text(d, at + 24),
  };
  if (firstFragment) addPorts(flow, d, offset);
  return flow;
}

function addPorts(flow: PacketFlow, d: Buffer, at: number): void {
  if ((flow.protocolNumber === TCP || flow.protocolNumber === UDP) && d.length >= at + 4) {
    flow.sourcePort = d.readUInt16BE(at);
    flow.destinationPort = d.readUInt16BE(at + 2);
  }
}

/** An IPv6 address as RFC 5952 writes it: lower-case, no leading zeros, the longest zero run as `::`. */
export function ipv6Text(d: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(d.readUInt16BE(at + 2 * i));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not shortened
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}
