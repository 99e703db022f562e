import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PcapFormatError, PcapInspector } from "../../client/pcap-inspector";

function pcapBytes(packetSizes: number[], littleEndian = true): Buffer {
  const header = Buffer.alloc(24);
  if (littleEndian) {
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(160, 16);
    header.writeUInt32LE(1, 20);
  } else {
    header.writeUInt32BE(0xa1b2c3d4, 0);
  }
  const records = packetSizes.map((size, i) => {
    const record = Buffer.alloc(16 + size, i);
    const write = littleEndian ? record.writeUInt32LE.bind(record) : record.writeUInt32BE.bind(record);
    write(i, 0);
    write(0, 4);
    write(size, 8);
    write(size + 100, 12);
    return record;
  });
  return Buffer.concat([header, ...records]);
}

async function inspect(data: Buffer, chunkSize: number): Promise<PcapInspector> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  const inspector = new PcapInspector();
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await pipeline(Readable.from(chunks), inspector, sink);
  return inspector;
}

describe("PcapInspector", () => {
  const file = pcapBytes([60, 160, 1, 0, 160, 74]);

  it.each([1, 7, 16, 24, 100, 100_000])(
    "counts packets whatever the chunking (%i-byte chunks)",
    async (size) => {
      const inspector = await inspect(file, size);
      expect(inspector.packets).toBe(6);
      expect(inspector.bytes).toBe(file.length);
    },
  );

  it("reads big-endian files", async () => {
    expect((await inspect(pcapBytes([10, 20], false), 5)).packets).toBe(2);
  });

  it("refuses a body that is not a pcap file", async () => {
    const html = Buffer.from("<html><body>502 Bad Gateway</body></html>");
    await expect(inspect(html, 1000)).rejects.toThrow(
      /not a pcap file: bad magic number \(starts with "<html><body>502 /,
    );
  });

  it("refuses a file cut inside a packet or inside its header", async () => {
    await expect(inspect(file.subarray(0, file.length - 3), 50)).rejects.toThrow(PcapFormatError);
    await expect(inspect(file.subarray(0, 10), 50)).rejects.toThrow(/before its header/);
  });

  it("refuses absurd record lengths", async () => {
    const bad = pcapBytes([10]);
    bad.writeUInt32LE(10_000_000, 24 + 8);
    await expect(inspect(bad, 64)).rejects.toThrow(/claims 10000000 bytes/);
  });
});
