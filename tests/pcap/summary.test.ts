/** summarizePcap's own rules: the top-N order, an empty file, errors naming the file. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PcapFormatError, summarizePcap } from "../../client";
import { pcapBytes, udpFrame } from "./pcap-writer";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pcap-summary-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("lists the top flows by bytes, then packets", async () => {
  // Source port p: p packets of 60 bytes, except port 9 (one 1,000-byte packet).
  const records = [1, 2, 3, 4].flatMap((port) =>
    Array.from({ length: port }, () => ({
      seconds: 10,
      fraction: port,
      data: udpFrame("10.0.0.1", "10.0.0.2", port),
    })),
  );
  records.push({ seconds: 12, fraction: 500_000, data: udpFrame("10.0.0.1", "10.0.0.2", 9, 958) });
  const file = join(dir, "flows.pcap");
  // The snaplen cuts the 1,000-byte packet: its original length counts in bytes, its captured part in capturedBytes.
  await writeFile(
    file,
    pcapBytes({
      snaplen: 96,
      records: records.map((r) => ({ ...r, data: r.data.subarray(0, 96), originalLength: r.data.length })),
    }),
  );
  const summary = await summarizePcap(file, { topFlows: 3 });
  expect(summary.flows.map((f) => [f.protocol, f.sourcePort, f.packets, f.bytes])).toEqual([
    ["UDP", 9, 1, 1000],
    ["UDP", 4, 4, 240],
    ["UDP", 3, 3, 180],
  ]);
  expect(summary).toMatchObject({
    packets: 11,
    bytes: 10 * 60 + 1000,
    capturedBytes: 10 * 60 + 96,
    linkType: 1,
    linkTypeName: "EN10MB",
    flowCount: 5,
    flowsComplete: true,
    firstPacketTime: "1970-01-01T00:00:10.000001Z",
    lastPacketTime: "1970-01-01T00:00:12.500000Z",
    durationSeconds: 2.499999,
  });
});

it("summarizes a file without packets", async () => {
  const file = join(dir, "empty.pcap");
  await writeFile(file, pcapBytes({ nanosecond: true, records: [] }));
  expect(await summarizePcap(file)).toEqual({
    path: file,
    packets: 0,
    bytes: 0,
    capturedBytes: 0,
    fileBytes: 24,
    linkType: 1,
    linkTypeName: "EN10MB",
    durationSeconds: 0,
    flows: [],
    flowCount: 0,
    flowsComplete: true,
  });
});

it("names the file and the packet of a malformed record", async () => {
  const file = join(dir, "cut.pcap");
  const bytes = pcapBytes({
    records: [1, 2].map((s) => ({ seconds: s, fraction: 0, data: udpFrame("10.0.0.1", "10.0.0.2", s) })),
  });
  await writeFile(file, bytes.subarray(0, bytes.length - 1));
  const summarizing = summarizePcap(file);
  await expect(summarizing).rejects.toThrow(PcapFormatError);
  await expect(summarizing).rejects.toThrow(
    `read pcap file ${file}: packet 2 (at byte 100): the file ends inside its data`,
  );
});
