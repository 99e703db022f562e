/**
 * The wire filter (as stored and echoed) to the packet filter the pcap synthesizer reads.
 */
import type { PacketFilter } from "./pcap";
import type { WireFilter } from "./wire";

export function domainFilter(filter: WireFilter): PacketFilter | undefined {
  const domain: PacketFilter = {};
  if (filter.source_address !== undefined) domain.sourceAddress = filter.source_address;
  if (filter.destination_address !== undefined) domain.destinationAddress = filter.destination_address;
  if (filter.protocol !== undefined) domain.protocol = filter.protocol;
  if (filter.source_port !== undefined) domain.sourcePort = filter.source_port;
  if (filter.destination_port !== undefined) domain.destinationPort = filter.destination_port;
  return Object.keys(domain).length > 0 ? domain : undefined;
}
