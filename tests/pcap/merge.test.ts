/**
 * mergePcapFiles on small files made by the test-side writer: order across parts, ties, byte orders and
 * precisions, empty parts; every malformed part named in the error with no output file left behind; abort.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mergePcapFiles, PcapFormatError, PcapUsageError, type MergeProgress } from "../../client";
import { parseLittleEndian, pcapBytes, udpFrame, type TestFile, type TestRecord } from "./pcap-writer";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pcap-merge-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A record whose source port says which part it came from and whose id byte says its place there. */
function record(part: number, index: number, seconds: number, fraction = 0): TestRecord {
  const data = udpFrame(`10.0.0.${part}`, "192.0.2.1", 1000 + part);
  data[data.length - 1] = index;
  return { seconds, fraction, data };
}

async function part(name: string, file: TestFile | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, Buffer.isBuffer(file) ? file : pcapBytes(file));
  return path;
}

/** (part, index) of every record of a merged file, in file order. */
function origins(bytes: Buffer): string[] {
  return parseLittleEndian(bytes).records.map((r) => `${r.data[29]}/${r.data[r.data.length - 1]}`);
}

describe("mergePcapFiles", () => {
  it("interleaves parts in time order and reports what it wrote", async () => {
    const a = await part("a.pcap", { records: [record(1, 0, 10), record(1, 1, 13), record(1, 2, 16)] });
    const b = await part("b.pcap", { records: [record(2, 0, 11), record(2, 1, 12), record(2, 2, 17)] });
    const c = await part("c.pcap", { records: [record(3, 0, 9, 999_999), record(3, 1, 14)] });
    const output = join(dir, "out", "merged.pcap");
    const result = await mergePcapFiles([a, b, c], output);
    const bytes = await readFile(output);
    expect(origins(bytes)).toEqual(["3/0", "1/0", "2/0", "2/1", "1/1", "3/1", "1/2", "2/2"]);
    expect(result).toEqual({
      path: output,
      packets: 8,
      bytes: bytes.length,
      parts: [
        { path: a, packets: 3, bytes: 24 + 3 * (16 + 60) },
        { path: b, packets: 3, bytes: 24 + 3 * (16 + 60) },
        { path: c, packets: 2, bytes: 24 + 2 * (16 + 60) },
      ],
      firstPacketTime: "1970-01-01T00:00:09.999999Z",
      lastPacketTime: "1970-01-01T00:00:17.000000Z",
    });
    expect(bytes.length).toBe(24 + 8 * (16 + 60));
  });

  it("breaks ties by part order, then by order within the part", async () => {
    const a = await part("a.pcap", { records: [record(1, 0, 5), record(1, 1, 5), record(1, 2, 6)] });
    const b = await part("b.pcap", { records: [record(2, 0, 5), record(2, 1, 5)] });
    const forward = join(dir, "ab.pcap");
    const backward = join(dir, "ba.pcap");
    await mergePcapFiles([a, b], forward);
    await mergePcapFiles([b, a], backward);
    expect(origins(await readFile(forward))).toEqual(["1/0", "1/1", "2/0", "2/1", "1/2"]);
    expect(origins(await readFile(backward))).toEqual(["2/0", "2/1", "1/0", "1/1", "1/2"]);
  });

  it("writes little-endian microseconds when no part has nanoseconds, with the largest snaplen", async () => {
    const a = await part("a.pcap", {
      littleEndian: false,
      snaplen: 160,
      records: [record(1, 0, 7, 250_000)],
    });
    const b = await part("b.pcap", { snaplen: 1500, records: [record(2, 0, 7, 125_000)] });
    const output = join(dir, "out.pcap");
    await mergePcapFiles([a, b], output);
    const merged = parseLittleEndian(await readFile(output));
    expect(merged.magic).toBe(0xa1b2c3d4);
    expect(merged.snaplen).toBe(1500);
    expect(merged.linkType).toBe(1);
    expect(merged.records.map((r) => [r.seconds, r.fraction, r.data[29]])).toEqual([
      [7, 125_000, 2],
      [7, 250_000, 1],
    ]);
  });

  it("writes nanoseconds when any part has them, converting microsecond parts", async () => {
    const micro = await part("micro.pcap", { littleEndian: false, records: [record(1, 0, 3, 500_001)] });
    const nano = await part("nano.pcap", {
      nanosecond: true,
      littleEndian: false,
      records: [record(2, 0, 3, 500_000_999), record(2, 1, 3, 500_001_001)],
    });
    const output = join(dir, "out.pcap");
    const result = await mergePcapFiles([micro, nano], output);
    const merged = parseLittleEndian(await readFile(output));
    expect(merged.magic).toBe(0xa1b23c4d);
    expect(merged.records.map((r) => [r.fraction, r.data[29]])).toEqual([
      [500_000_999, 2],
      [500_001_000, 1],
      [500_001_001, 2],
    ]);
    expect(result.firstPacketTime).toBe("1970-01-01T00:00:03.500000999Z");
    expect(result.lastPacketTime).toBe("1970-01-01T00:00:03.500001001Z");
  });

  it("accepts empty parts (a header only), and all parts empty", async () => {
    const empty = await part("empty.pcap", { records: [] });
    const full = await part("full.pcap", { records: [record(1, 0, 1), record(1, 1, 2)] });
    const output = join(dir, "out.pcap");
    const result = await mergePcapFiles([empty, full, empty], output);
    expect(result.packets).toBe(2);
    expect(result.parts.map((p) => p.packets)).toEqual([0, 2, 0]);

    const nothing = await mergePcapFiles([empty, empty], join(dir, "none.pcap"));
    expect(nothing).toEqual(expect.objectContaining({ packets: 0, bytes: 24 }));
    expect(nothing.firstPacketTime).toBeUndefined();
    expect((await readFile(join(dir, "none.pcap"))).length).toBe(24);
  });

  it("reports progress up to the whole size", async () => {
    // Records of 2,000 bytes, 2,000 of them in two parts: about 4 MB, several output writes.
    const big = (p: number) =>
      part(`${p}.pcap`, {
        records: Array.from({ length: 1000 }, (_, i) => ({
          seconds: 100 + i,
          fraction: p,
          data: udpFrame(`10.0.0.${p}`, "192.0.2.1", 1, 1958),
        })),
      });
    const parts = [await big(1), await big(2)];
    const seen: MergeProgress[] = [];
    const result = await mergePcapFiles(parts, join(dir, "out.pcap"), { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toEqual({ packets: 2000, bytes: result.bytes, totalBytes: result.bytes });
    for (let i = 1; i < seen.length; i++) expect(seen[i].bytes).toBeGreaterThanOrEqual(seen[i - 1].bytes);
  });

  it("wants at least one part", async () => {
    await expect(mergePcapFiles([], join(dir, "out.pcap"))).rejects.toThrow(PcapUsageError);
    await expect(mergePcapFiles([], join(dir, "out.pcap"))).rejects.toThrow(/no input files/);
  });

  describe("a bad part: an error naming it, and no output file", () => {
    const good = () => part("good.pcap", { records: [record(1, 0, 1), record(1, 1, 2)] });
    const valid = pcapBytes({ records: [record(2, 0, 1), record(2, 1, 2), record(2, 2, 3)] });
    const cases: Array<[string, () => Buffer, RegExp]> = [
      [
        "cut short inside a packet",
        () => valid.subarray(0, valid.length - 7),
        /packet 3 \(at byte \d+\): the file ends inside its data/,
      ],
      [
        "cut short inside a record header",
        () => valid.subarray(0, 24 + 76 + 9),
        /packet 2 .*ends inside its header \(9 of 16 bytes\)/,
      ],
      [
        "cut short inside the global header",
        () => valid.subarray(0, 10),
        /ends after 10 bytes, inside its 24-byte header/,
      ],
      ["empty", () => Buffer.alloc(0), /not a pcap file: it is empty/],
      [
        "not a pcap file",
        () => Buffer.from("<html><body>Access denied</body></html>"),
        /bad magic number \(it starts with "<html><body>Acce"\)/,
      ],
      [
        "a pcapng file",
        () => Buffer.from("0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000", "hex"),
        /pcapng is not supported.*editcap -F pcap in\.pcapng out\.pcap/,
      ],
      [
        "a record larger than it says the packet was",
        () => pcapBytes({ records: [record(2, 0, 1), { ...record(2, 1, 2), originalLength: 40 }] }),
        /packet 2 .*60 captured bytes of a 40-byte packet/,
      ],
      [
        "a record claiming a huge length",
        () => {
          const bytes = Buffer.from(valid);
          bytes.writeUInt32LE(5_000_000, 24 + 76 + 8);
          return bytes;
        },
        /packet 2 .*5000000 captured bytes, more than any capture holds/,
      ],
      [
        "a microsecond fraction of a second or more",
        () => pcapBytes({ records: [record(2, 0, 1, 1_000_000)] }),
        /packet 1 .*timestamp fraction 1000000 is not below one second/,
      ],
    ];
    it.each(cases)("%s", async (_name, bytes, message) => {
      const bad = await part("bad.pcap", bytes());
      const output = join(dir, "out.pcap");
      const merging = mergePcapFiles([await good(), bad], output);
      await expect(merging).rejects.toThrow(PcapFormatError);
      await expect(merging).rejects.toThrow(`merge pcap files into ${output}: read pcap file ${bad}: `);
      await expect(merging).rejects.toThrow(message);
      expect((await readdir(dir)).sort()).toEqual(["bad.pcap", "good.pcap"]);
    });

    it("parts of different link types, suggesting mergecap", async () => {
      const raw = await part("raw.pcap", { linkType: 101, records: [] });
      const merging = mergePcapFiles([await good(), raw], join(dir, "out.pcap"));
      await expect(merging).rejects.toThrow(PcapFormatError);
      await expect(merging).rejects.toThrow(
        /good\.pcap has link type 1 \(EN10MB\), .*raw\.pcap has link type 101 \(RAW\).*mergecap -w out\.pcapng/,
      );
      expect((await readdir(dir)).sort()).toEqual(["good.pcap", "raw.pcap"]);
    });

    it("a missing part", async () => {
      const missing = join(dir, "missing.pcap");
      const merging = mergePcapFiles([await good(), missing], join(dir, "out.pcap"));
      await expect(merging).rejects.toThrow(PcapUsageError);
      await expect(merging).rejects.toThrow(`read pcap file ${missing}: cannot open it (ENOENT`);
      expect(await readdir(dir)).toEqual(["good.pcap"]);
    });

    it("leaves a file already at the output path as it was", async () => {
      const output = join(dir, "out.pcap");
      await writeFile(output, "previous");
      const bad = await part("bad.pcap", valid.subarray(0, 30));
      await expect(mergePcapFiles([await good(), bad], output)).rejects.toThrow(PcapFormatError);
      expect(await readFile(output, "utf8")).toBe("previous");
      expect((await readdir(dir)).sort()).toEqual(["bad.pcap", "good.pcap", "out.pcap"]);
    });
  });

  describe("abort", () => {
    it("before the start: nothing is written", async () => {
      const a = await part("a.pcap", { records: [record(1, 0, 1)] });
      const signal = AbortSignal.abort();
      await expect(mergePcapFiles([a], join(dir, "out.pcap"), { signal })).rejects.toBe(signal.reason);
      expect(await readdir(dir)).toEqual(["a.pcap"]);
    });

    it("midway: the partial file is removed", async () => {
      const records = Array.from({ length: 3000 }, (_, i) => ({
        seconds: i,
        fraction: 0,
        data: udpFrame("10.0.0.1", "192.0.2.1", 1, 1400),
      }));
      const a = await part("a.pcap", { records });
      const controller = new AbortController();
      const merging = mergePcapFiles([a], join(dir, "out.pcap"), {
        signal: controller.signal,
        onProgress: () => controller.abort(new Error("stopped by the test")),
      });
      await expect(merging).rejects.toThrow("stopped by the test");
      expect(await readdir(dir)).toEqual(["a.pcap"]);
    });
  });
});
