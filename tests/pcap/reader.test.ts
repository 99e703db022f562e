/**
 * PcapRecordReader across chunk boundaries: whatever the chunk size, the same records come out, a
 * record larger than a chunk included, in both byte orders and precisions.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PcapRecordReader } from "../../client";
import { pcapBytes, type TestRecord } from "./pcap-writer";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pcap-reader-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Records of any bytes (the reader does not look inside), one larger than most chunks. */
const records: TestRecord[] = [60, 1514, 200_000, 0, 300, 70_000].map((length, i) => ({
  seconds: 1_700_000_000 + i,
  fraction: 999_999 - i,
  data: Buffer.alloc(length, i + 1),
  originalLength: 200_000,
}));

async function readAll(path: string, chunkBytes: number) {
  const reader = await PcapRecordReader.open(path, { chunkBytes });
  const seen = [];
  try {
    while (await reader.next()) {
      seen.push({
        number: reader.packetNumber,
        seconds: reader.seconds,
        nanoseconds: reader.nanoseconds,
        original: reader.originalLength,
        // Compared here: jest's deep equality of 200 kB buffers costs most of a second.
        data: reader.data().equals(records[seen.length].data),
      });
    }
  } finally {
    await reader.close();
  }
  return { header: reader.header, seen };
}

describe.each([
  [true, false],
  [false, false],
  [true, true],
  [false, true],
])("little-endian %s, nanosecond %s", (littleEndian, nanosecond) => {
  it.each([24, 100, 4096, 65536, 1 << 20])(
    "gives every record with chunks of %i bytes",
    async (chunkBytes) => {
      const path = join(dir, `${littleEndian}-${nanosecond}.pcap`);
      await writeFile(path, pcapBytes({ littleEndian, nanosecond, snaplen: 262144, linkType: 1, records }));
      const { header, seen } = await readAll(path, chunkBytes);
      expect(header).toEqual({
        littleEndian,
        nanosecond,
        versionMajor: 2,
        versionMinor: 4,
        snaplen: 262144,
        linkType: 1,
      });
      expect(seen).toEqual(
        records.map((r, i) => ({
          number: i + 1,
          seconds: r.seconds,
          nanoseconds: nanosecond ? r.fraction : r.fraction * 1000,
          original: 200_000,
          data: true,
        })),
      );
    },
  );
});
