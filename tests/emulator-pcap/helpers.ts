import { type SyntheticPcapOptions, pcapStream } from "../../emulator/pcap";

/** 2025-01-01T00:00:00Z: a fixed start keeps expectations readable. */
export const START_MS = Date.UTC(2025, 0, 1);

export function options(overrides: Partial<SyntheticPcapOptions> = {}): SyntheticPcapOptions {
  return {
    seed: "0123456789abcdef0123456789abcdef",
    packetCount: 500,
    startTimeMs: START_MS,
    durationSeconds: 30,
    ...overrides,
  };
}

/** The whole generated file, read through the public stream. */
export async function collect(opts: SyntheticPcapOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of pcapStream(opts)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
