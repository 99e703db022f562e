import { PCAP_MAGIC, pcapStream } from "../../emulator/pcap";
import { parsePcap } from "./pcap-reader";
import { START_MS, collect, options } from "./helpers";

describe("synthetic pcap format", () => {
  it("writes a little-endian libpcap 2.4 global header with snaplen 160 and Ethernet by default", async () => {
    const file = await collect(options());
    expect(PCAP_MAGIC).toBe(0xa1b2c3d4);
    expect([...file.subarray(0, 4)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect(parsePcap(file).header).toEqual({
      magic: PCAP_MAGIC,
      versionMajor: 2,
      versionMinor: 4,
      thiszone: 0,
      sigfigs: 0,
      snaplen: 160,
      linktype: 1,
    });
  });

  it.each([1, 10, 500, 10000])("holds exactly %i packets", async (packetCount) => {
    const { packets } = parsePcap(await collect(options({ packetCount })));
    expect(packets).toHaveLength(packetCount);
  });

  it("writes only the global header for zero packets", async () => {
    const file = await collect(options({ packetCount: 0 }));
    expect(file).toHaveLength(24);
  });

  it("truncates to the snaplen like a sampled capture, with orig_len often above it", async () => {
    const { packets } = parsePcap(await collect(options({ packetCount: 2000 })));
    const truncated = packets.filter((p) => p.origLen > 160);
    expect(truncated.length).toBeGreaterThan(packets.length / 3);
    expect(packets.some((p) => p.origLen < 160)).toBe(true);
    for (const p of packets) expect(p.inclLen).toBe(Math.min(p.origLen, 160));
    // Real Ethernet traffic: nothing above the 1500-byte MTU.
    expect(Math.max(...packets.map((p) => p.origLen))).toBeLessThanOrEqual(1514);
  });

  it.each([160, 65535])("has valid Ethernet/IPv4 headers and checksums at snaplen %i", async (snaplen) => {
    const { header, packets } = parsePcap(await collect(options({ packetCount: 3000, snaplen })));
    expect(header.snaplen).toBe(snaplen);
    const verified = { tcp: 0, udp: 0, icmp: 0 };
    for (const p of packets) {
      expect(p.ethertype).toBe(0x0800);
      // Unicast source MACs are locally administered (bit 1 of the first octet), never group addresses.
      expect(p.srcMac[0] & 0x03).toBe(0x02);
      expect(p.ip).toMatchObject({
        version: 4,
        ihl: 5,
        dontFragment: true,
        moreFragments: false,
        fragmentOffset: 0,
      });
      expect(p.ip.checksumOk).toBe(true);
      expect(p.ip.ttl).toBeGreaterThan(0);
      const t = p.transport;
      if (t.kind === "tcp") expect(t).toMatchObject({ dataOffset: 5, flags: 0x18 });
      if (t.kind === "udp") expect(t.length).toBe(p.origLen - 34);
      if (t.checksumOk !== undefined) {
        expect(t.checksumOk).toBe(true);
        if (t.kind !== "other") verified[t.kind]++;
      }
    }
    // At snaplen 65535 every packet is whole, so every transport checksum was verified.
    if (snaplen === 65535) expect(verified.tcp + verified.udp + verified.icmp).toBe(packets.length);
    expect(verified.tcp).toBeGreaterThan(0);
    expect(verified.udp).toBeGreaterThan(0);
    expect(verified.icmp).toBeGreaterThan(0);
  });

  it("keeps TCP sequence numbers contiguous per flow, as Wireshark's analysis expects", async () => {
    const { packets } = parsePcap(await collect(options({ packetCount: 2000, filter: { protocol: 6 } })));
    const next = new Map<string, number>();
    for (const p of packets) {
      const key = `${p.ip.src}:${p.transport.sport}>${p.ip.dst}:${p.transport.dport}`;
      const seq = p.transport.seq as number;
      if (next.has(key)) expect(seq).toBe(next.get(key));
      next.set(key, (seq + p.ip.totalLength - 40) >>> 0);
    }
  });

  it("answers every ICMP echo request right away with a matching reply", async () => {
    const { packets } = parsePcap(await collect(options({ packetCount: 501, filter: { protocol: 1 } })));
    packets.forEach((p, i) => {
      if (p.transport.type !== 8) return;
      const reply = packets[i + 1];
      expect(reply.transport.type).toBe(0);
      expect([reply.ip.src, reply.ip.dst]).toEqual([p.ip.dst, p.ip.src]);
      expect(reply.data.subarray(38)).toEqual(p.data.subarray(38)); // id, seq and data mirrored
    });
  });

  it("spreads non-decreasing timestamps over the window", async () => {
    const durationSeconds = 45;
    const { packets } = parsePcap(await collect(options({ packetCount: 5000, durationSeconds })));
    const times = packets.map((p) => p.tsSec * 1e6 + p.tsUsec);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    expect(times[0]).toBe(START_MS * 1000); // startTimeMs is the first packet's time
    expect(times[times.length - 1]).toBeLessThanOrEqual((START_MS + durationSeconds * 1000) * 1000);
    // Spread, not bunched: the last packet is in the last tenth of the window.
    expect(times[times.length - 1]).toBeGreaterThan((START_MS + durationSeconds * 900) * 1000);
  });

  it("gives every packet the same timestamp for a zero-length window", async () => {
    const { packets } = parsePcap(await collect(options({ durationSeconds: 0 })));
    expect(new Set(packets.map((p) => p.tsSec * 1e6 + p.tsUsec))).toEqual(new Set([START_MS * 1000]));
  });

  it("rejects options it cannot honour before producing anything", () => {
    expect(() => pcapStream(options({ packetCount: -1 }))).toThrow(RangeError);
    expect(() => pcapStream(options({ packetCount: 1.5 }))).toThrow(RangeError);
    expect(() => pcapStream(options({ snaplen: 0 }))).toThrow(RangeError);
    expect(() => pcapStream(options({ durationSeconds: Number.NaN }))).toThrow(RangeError);
    expect(() => pcapStream(options({ startTimeMs: 2 ** 32 * 1000 }))).toThrow(/2106/);
    expect(() => pcapStream(options({ filter: { protocol: 1, destinationPort: 80 } }))).toThrow(
      /no packet can match/,
    );
  });
});
