import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pcapStream } from "../../emulator/pcap";
import { parseGlobalHeader, parsePcap } from "./pcap-reader";
import { collect, options } from "./helpers";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("determinism", () => {
  it("produces byte-identical files for the same seed and options", async () => {
    const opts = options({ packetCount: 3000, filter: { protocol: 6 } });
    expect(sha256(await collect(opts))).toBe(sha256(await collect({ ...opts })));
  });

  it("produces different files for different seeds", async () => {
    const a = await collect(options({ seed: "a" }));
    const b = await collect(options({ seed: "b" }));
    expect(a.equals(b)).toBe(false);
    // Different traffic, not just different timestamps.
    const addresses = (f: Buffer) => new Set(parsePcap(f).packets.map((p) => p.ip.src));
    expect(addresses(a)).not.toEqual(addresses(b));
  });

  it("does not depend on how slowly the consumer reads", async () => {
    const opts = options({ targetBytes: 3_000_000 });
    const hash = createHash("sha256");
    const stream = pcapStream(opts);
    // Read in small, odd-sized pieces instead of whole chunks.
    await new Promise<void>((resolve, reject) => {
      stream.on("readable", () => {
        // read(n) returns null until n bytes are buffered, and the remainder once the stream has ended.
        for (let piece = stream.read(777); piece !== null; piece = stream.read(777)) hash.update(piece);
      });
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    expect(hash.digest("hex")).toBe(sha256(await collect(opts)));
  });
});

describe("targetBytes", () => {
  it.each([160, 65535])("sizes the file exactly at snaplen %i", async (snaplen) => {
    for (const targetBytes of [24, 1000, 123_457, 1_000_000]) {
      const file = await collect(options({ targetBytes, snaplen }));
      expect(file.length).toBe(targetBytes);
      const { packets } = parsePcap(file);
      if (targetBytes > 24) expect(packets.length).toBeGreaterThan(0);
      for (const p of packets) expect(p.ip.checksumOk).toBe(true);
    }
  });

  it("keeps timestamps inside the window even though the packet count is estimated", async () => {
    const { packets } = parsePcap(await collect(options({ targetBytes: 2_000_000, durationSeconds: 10 })));
    const first = packets[0].tsSec;
    const last = packets[packets.length - 1];
    expect(last.tsSec - first).toBeLessThanOrEqual(10);
  });
});

describe("streaming", () => {
  it("streams 50 MB in many chunks with a bounded buffer and little heap growth", async () => {
    const targetBytes = 50 * 1024 * 1024;
    const stream = pcapStream(options({ targetBytes }));
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let chunks = 0;
    let bytes = 0;
    let maxBuffered = 0;
    let smallChunks = 0;
    let first: Buffer | undefined;
    await pipeline(
      stream,
      new Writable({
        highWaterMark: 1,
        write(chunk: Buffer, _encoding, done) {
          first ??= Buffer.from(chunk.subarray(0, 24));
          chunks++;
          bytes += chunk.length;
          if (chunk.length < 64 * 1024) smallChunks++;
          maxBuffered = Math.max(maxBuffered, stream.readableLength);
          // Yield to the event loop now and then, like a socket that is not always writable.
          if (chunks % 16 === 0) setImmediate(done);
          else done();
        },
      }),
    );
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(bytes).toBe(targetBytes);
    expect(parseGlobalHeader(first as Buffer).snaplen).toBe(160);
    expect(chunks).toBeGreaterThan(100); // generated lazily, not as one buffer
    expect(smallChunks).toBeLessThanOrEqual(1); // only the last one
    expect(maxBuffered).toBeLessThanOrEqual(1024 * 1024); // backpressure: at most a few chunks queued
    expect(heapGrowth).toBeLessThan(32 * 1024 * 1024);
  });

  it("generates lazily: a terabyte-sized file can be started and abandoned", async () => {
    const stream = pcapStream(options({ targetBytes: 1e12 }));
    let read = 0;
    for await (const chunk of stream) {
      read += (chunk as Buffer).length;
      if (read > 2 * 1024 * 1024) break; // breaking destroys the stream
    }
    expect(stream.destroyed).toBe(true);
    expect(read).toBeLessThan(4 * 1024 * 1024);
  });
});
