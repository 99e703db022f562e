import type { CaptureFilter } from "../../client/types";
import { filterCanMatch } from "../../emulator/pcap";
import { type PacketRecord, parsePcap } from "./pcap-reader";
import { collect, options } from "./helpers";

function matches(p: PacketRecord, f: CaptureFilter): boolean {
  return (
    (f.sourceAddress === undefined || p.ip.src === f.sourceAddress) &&
    (f.destinationAddress === undefined || p.ip.dst === f.destinationAddress) &&
    (f.protocol === undefined || p.ip.protocol === f.protocol) &&
    (f.sourcePort === undefined || p.transport.sport === f.sourcePort) &&
    (f.destinationPort === undefined || p.transport.dport === f.destinationPort)
  );
}

describe("filterCanMatch", () => {
  it.each<[CaptureFilter | undefined, boolean]>([
    [undefined, true],
    [{}, true],
    [{ protocol: 6, destinationPort: 443 }, true],
    [{ protocol: 17, sourcePort: 53 }, true],
    [{ destinationPort: 80 }, true], // protocol open: TCP or UDP will do
    [{ protocol: 1 }, true],
    [{ protocol: 47, sourceAddress: "192.0.2.1", destinationAddress: "192.0.2.1" }, true],
    [{ protocol: 0 }, true],
    [{ protocol: 255 }, true],
    [{ sourcePort: 0, destinationPort: 65535 }, true],
    [{ protocol: 1, destinationPort: 80 }, false], // ICMP has no ports
    [{ protocol: 47, sourcePort: 1 }, false],
    [{ protocol: 132, destinationPort: 80 }, false], // only TCP and UDP are meant
    [{ protocol: 256 }, false],
    [{ protocol: -1 }, false],
    [{ protocol: 6.5 }, false],
    [{ destinationPort: 65536 }, false],
    [{ sourcePort: -1 }, false],
    [{ sourceAddress: "256.1.1.1" }, false],
    [{ destinationAddress: "example.com" }, false],
  ])("%j → %s", (filter, expected) => {
    expect(filterCanMatch(filter)).toBe(expected);
  });
});

describe("packets honour the filter", () => {
  it.each<CaptureFilter>([
    { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 },
    {
      sourceAddress: "198.51.100.20",
      destinationAddress: "203.0.113.7",
      protocol: 6,
      sourcePort: 51000,
      destinationPort: 443,
    },
    { protocol: 17, destinationPort: 53 },
    { protocol: 17, sourcePort: 123 },
    { destinationPort: 8080 },
    { sourcePort: 443 },
    { protocol: 1 },
    { protocol: 1, sourceAddress: "198.51.100.20" },
    { protocol: 47, destinationAddress: "203.0.113.7" },
    { protocol: 50 },
    { protocol: 4 },
    { protocol: 41 },
    { protocol: 89 },
    { sourceAddress: "10.0.0.1" },
    { destinationAddress: "255.255.255.255", protocol: 17 },
  ])("%j", async (filter) => {
    const { packets } = parsePcap(await collect(options({ packetCount: 300, filter, snaplen: 65535 })));
    expect(packets).toHaveLength(300);
    for (const p of packets) {
      expect(matches(p, filter)).toBe(true);
      expect(p.ip.checksumOk).toBe(true);
      if (p.transport.checksumOk !== undefined) expect(p.transport.checksumOk).toBe(true);
    }
  });

  it("maps a broadcast destination to the broadcast MAC", async () => {
    const { packets } = parsePcap(
      await collect(options({ filter: { destinationAddress: "255.255.255.255" } })),
    );
    for (const p of packets) expect(p.dstMac.toString("hex")).toBe("ffffffffffff");
  });

  it("mixes TCP, UDP and ICMP between public-looking addresses when unfiltered", async () => {
    const { packets } = parsePcap(await collect(options({ packetCount: 5000, seed: "mix" })));
    const protocols = new Set(packets.map((p) => p.ip.protocol));
    expect(protocols).toEqual(new Set([1, 6, 17]));
    for (const p of packets) {
      for (const address of [p.ip.src, p.ip.dst]) {
        const [a, b] = address.split(".").map(Number);
        expect(a === 0 || a === 10 || a === 127 || a >= 224).toBe(false);
        expect((a === 192 && b === 168) || (a === 172 && b >= 16 && b < 32)).toBe(false);
      }
    }
  });

  it("uses several flows and ports when the filter leaves them open", async () => {
    const { packets } = parsePcap(
      await collect(options({ packetCount: 2000, filter: { protocol: 6, destinationPort: 443 } })),
    );
    expect(new Set(packets.map((p) => p.transport.sport)).size).toBeGreaterThan(1);
    expect(new Set(packets.map((p) => p.ip.src)).size).toBeGreaterThan(1);
  });
});
