/** Pcap files on disk: merging a full capture's parts into one, summarizing any file, reading records. */
export {
  mergePcapFiles,
  type MergeOptions,
  type MergeProgress,
  type MergeResult,
  type MergedPart,
} from "./merge";
export {
  summarizePcap,
  protocolName,
  MAX_TRACKED_FLOWS,
  type PcapFlow,
  type PcapSummary,
  type SummaryOptions,
} from "./summary";
export { PcapRecordReader, type PcapFileHeader } from "./reader";
export { formatPacketTime, linkTypeName, PCAPNG_ADVICE } from "./format";
