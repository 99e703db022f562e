import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writePcapFile } from "../../emulator/pcap";
import { parsePcap } from "./pcap-reader";
import { collect, options } from "./helpers";

// rename passes through to the real one unless a test makes it fail once.
jest.mock("node:fs/promises", () => {
  const actual = jest.requireActual<typeof import("node:fs/promises")>("node:fs/promises");
  return { ...actual, rename: jest.fn(actual.rename) };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pcap-write-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writePcapFile", () => {
  it("writes the same bytes as the stream and reports them", async () => {
    const opts = options({ packetCount: 1234, snaplen: 65535 });
    const path = join(dir, "pcap_abc.pcap");
    const result = await writePcapFile(path, opts);
    const written = await readFile(path);
    expect(written.equals(await collect(opts))).toBe(true);
    expect(result).toEqual({ bytes: written.length, packets: 1234 });
    expect(parsePcap(written).packets).toHaveLength(1234);
    expect(await readdir(dir)).toEqual(["pcap_abc.pcap"]); // no temporary file left behind
  });

  it("reports the packets of a targetBytes file", async () => {
    const path = join(dir, "big.pcap");
    const result = await writePcapFile(path, options({ targetBytes: 5_000_000 }));
    expect(result.bytes).toBe(5_000_000);
    expect(parsePcap(await readFile(path)).packets).toHaveLength(result.packets);
  });

  it("replaces an existing file atomically", async () => {
    const path = join(dir, "pcap.pcap");
    await writeFile(path, "old");
    await writePcapFile(path, options({ packetCount: 5 }));
    expect(parsePcap(await readFile(path)).packets).toHaveLength(5);
    expect(await readdir(dir)).toEqual(["pcap.pcap"]);
  });

  it("leaves nothing behind when the final rename fails", async () => {
    const path = join(dir, "pcap.pcap");
    jest.mocked(rename).mockRejectedValueOnce(new Error("disk on fire"));
    await expect(writePcapFile(path, options())).rejects.toThrow("disk on fire");
    expect(await readdir(dir)).toEqual([]);
  });

  it("leaves nothing behind when the target is a directory", async () => {
    const path = join(dir, "taken");
    await mkdir(path);
    await writeFile(join(path, "inside"), "x");
    await expect(writePcapFile(path, options())).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["taken"]);
  });

  it("fails without creating anything for a missing directory or impossible options", async () => {
    await expect(writePcapFile(join(dir, "missing", "x.pcap"), options())).rejects.toThrow(/ENOENT/);
    await expect(
      writePcapFile(join(dir, "x.pcap"), options({ filter: { protocol: 1, sourcePort: 7 } })),
    ).rejects.toThrow(RangeError);
    expect(await readdir(dir)).toEqual([]);
  });
});
