/**
 * Synthetic classic-libpcap files for the emulator's download endpoint: seeded, filter-respecting,
 * dissector-clean traffic, generated lazily so even a multi-GiB file streams in constant memory.
 */
export { PCAP_MAGIC, type SyntheticPcapOptions } from "./options";
export { filterCanMatch, type PacketFilter } from "./filter";
export { pcapStream, writePcapFile } from "./stream";
