import { BOUNDS, isIpv4Address, isWholeIn } from "../rules";

/** What every synthesized packet must match (the camel-case reading of `filter_v1`). */
export interface PacketFilter {
  sourceAddress?: string;
  destinationAddress?: string;
  /** IP protocol number (6 = TCP, 17 = UDP, 1 = ICMP). */
  protocol?: number;
  sourcePort?: number;
  destinationPort?: number;
}

export const TCP = 6;
export const UDP = 17;
export const ICMP = 1;

/**
 * False when no packet could ever satisfy the filter, so the emulator can fail a capture instead of
 * synthesizing packets that lie about it: a port with a protocol that has no ports (only TCP and UDP
 * do), or a value no packet header can hold (malformed address, port or protocol out of range).
 */
export function filterCanMatch(filter: PacketFilter | undefined): boolean {
  if (!filter) return true;
  const { sourceAddress, destinationAddress, protocol, sourcePort, destinationPort } = filter;
  for (const address of [sourceAddress, destinationAddress]) {
    if (address !== undefined && !isIpv4Address(address)) return false;
  }
  if (protocol !== undefined && !isWholeIn(protocol, BOUNDS.protocol)) return false;
  const ports = [sourcePort, destinationPort].filter((p): p is number => p !== undefined);
  for (const port of ports) {
    if (!isWholeIn(port, BOUNDS.port)) return false;
  }
  if (ports.length > 0 && protocol !== undefined && protocol !== TCP && protocol !== UDP) return false;
  return true;
}
