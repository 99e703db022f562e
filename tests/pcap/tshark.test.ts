/**
 * Wireshark's tools as the judge: a merge of parts the emulator's generator wrote (as Cloudflare's edge
 * servers would) plus hand-made parts is read by tshark without a warning, holds every packet, never
 * goes back in time and has capinfos' figures; summarizePcap's figures equal tshark's and capinfos' own
 * on the same files, for Ethernet (VLAN tags, IPv6 extension headers, fragments, tunnels, ARP), Linux
 * cooked and raw IP captures.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { mergePcapFiles, summarizePcap, type PcapFlow } from "../../client";
import { writePcapFile } from "../../emulator/pcap";
import { options } from "../emulator-pcap/helpers";
import { ethernet, ipv4Packet, ipv6Packet, pcapBytes, type TestRecord } from "./pcap-writer";

const run = promisify(execFile);
/** tshark prints this to stderr whenever it runs as root (CI does); it says nothing about the file. */
const ROOT_NOTICE = /^Running as user "root".*\n?/gm;
/** Fragments as captured, not reassembled: a flow's ports are those the packet itself carries. */
const NO_REASSEMBLY = ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"];

async function tool(command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(command, args, { maxBuffer: 64 * 1024 * 1024 });
  expect(stderr.replace(ROOT_NOTICE, "")).toBe("");
  return stdout;
}

/** Ethernet packets of every shape the summary decodes; `i` varies addresses and ports. */
function handMade(i: number): Buffer[] {
  const v4 = { source: `198.51.100.${i}`, destination: "203.0.113.9" };
  const v6 = { source: `2001:db8::${i}`, destination: "2001:db8:0:0:1::9" };
  const ipv4 = (o: object) => ethernet(0x0800, ipv4Packet({ ...v4, protocol: 17, ...o }));
  return [
    ipv4({ protocol: 6, sourcePort: 40000 + i, destinationPort: 443, payload: 100 }),
    ipv4({ protocol: 17, sourcePort: 53, destinationPort: 5353, optionBytes: 8 }),
    ipv4({ protocol: 1 }),
    ipv4({ sourcePort: 7, destinationPort: 9, moreFragments: true, payload: 64 }),
    ipv4({ fragmentOffset: 10, payload: 40 }),
    ethernet(0x0800, ipv4Packet({ ...v4, protocol: 6, sourcePort: 1, destinationPort: 2 }), [0x8100]),
    ethernet(
      0x0800,
      ipv4Packet({ ...v4, protocol: 17, sourcePort: 3, destinationPort: 4 }),
      [0x88a8, 0x8100],
    ),
    ethernet(0x86dd, ipv6Packet({ ...v6, protocol: 6, sourcePort: 5, destinationPort: 80 })),
    ethernet(
      0x86dd,
      ipv6Packet({
        ...v6,
        protocol: 17,
        sourcePort: 6,
        destinationPort: 53,
        extensions: [{ type: 0 }, { type: 60 }],
      }),
    ),
    ethernet(
      0x86dd,
      ipv6Packet({
        ...v6,
        protocol: 17,
        sourcePort: 7,
        destinationPort: 53,
        extensions: [{ type: 44, offset: 0 }],
      }),
    ),
    ethernet(0x86dd, ipv6Packet({ ...v6, protocol: 17, extensions: [{ type: 44, offset: 8 }] })),
    ethernet(0x86dd, ipv6Packet({ ...v6, protocol: 58 }), [0x8100]),
    ethernet(0x0806, Buffer.alloc(28, 1)), // ARP: in the totals, in no flow
  ];
}

function records(packets: Buffer[], firstSecond: number, nanosecond = false): TestRecord[] {
  return packets.map((data, i) => ({
    seconds: firstSecond + Math.floor(i / 3),
    fraction: (i % 3) * (nanosecond ? 333_333_333 : 333_333) + 7,
    data,
  }));
}

/** The flows tshark sees: a row per packet, summed per unidirectional 5-tuple of the outer IP header. */
async function tsharkFlows(file: string): Promise<PcapFlow[]> {
  const fields = [
    "frame.protocols",
    "frame.len",
    "ip.src",
    "ip.dst",
    "ip.proto",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.nxt",
    "ipv6.hopopts.nxt",
    "ipv6.routing.nxt",
    "ipv6.dstopts.nxt",
    "ipv6.fraghdr.nxt",
    "tcp.srcport",
    "tcp.dstport",
    "udp.srcport",
    "udp.dstport",
  ];
  const out = await tool("tshark", [
    "-r",
    file,
    ...NO_REASSEMBLY,
    "-T",
    "fields",
    "-E",
    "occurrence=a",
    ...fields.flatMap((f) => ["-e", f]),
  ]);
  const flows = new Map<string, PcapFlow>();
  for (const line of out.split("\n").filter(Boolean)) {
    const row = Object.fromEntries(line.split("\t").map((value, i) => [fields[i], value.split(",")]));
    const layers = row["frame.protocols"][0].split(":");
    const outer = layers.find((layer) => layer === "ip" || layer === "ipv6");
    if (!outer) continue;
    let protocolNumber: number;
    if (outer === "ip") protocolNumber = Number(row["ip.proto"][0]);
    else {
      // The upper-layer protocol: the one "next header" of the chain that is no extension header.
      const chain = fields.filter((f) => f.startsWith("ipv6.") && f.endsWith("nxt")).flatMap((f) => row[f]);
      protocolNumber = Number(
        chain.filter((v) => v !== "" && ![0, 43, 44, 51, 60].includes(Number(v))).at(0),
      );
    }
    const transport = protocolNumber === 6 ? "tcp" : protocolNumber === 17 ? "udp" : undefined;
    const flow: PcapFlow = {
      protocol: "",
      protocolNumber,
      source: row[`${outer}.src`][0],
      destination: row[`${outer}.dst`][0],
      packets: 1,
      bytes: Number(row["frame.len"][0]),
    };
    if (transport && row[`${transport}.srcport`][0] !== "") {
      flow.sourcePort = Number(row[`${transport}.srcport`][0]);
      flow.destinationPort = Number(row[`${transport}.dstport`][0]);
    }
    const key = JSON.stringify([
      flow.protocolNumber,
      flow.source,
      flow.sourcePort,
      flow.destination,
      flow.destinationPort,
    ]);
    const known = flows.get(key);
    if (known) {
      known.packets++;
      known.bytes += flow.bytes;
    } else flows.set(key, flow);
  }
  return [...flows.values()];
}

/** capinfos' packets, data size, first and last time (epoch seconds as it prints them). */
async function capinfos(
  file: string,
): Promise<{ packets: number; bytes: number; first: string; last: string }> {
  const out = await tool("capinfos", ["-T", "-r", "-M", "-c", "-d", "-a", "-e", "-S", file]);
  const [, packets, bytes, first, last] = out.trim().split("\t");
  return { packets: Number(packets), bytes: Number(bytes), first, last };
}

/** An RFC 3339 time of a summary as epoch seconds with the same fraction digits. */
function epoch(time: string | undefined): string {
  const match = /^(.+)\.(\d+)Z$/.exec(time ?? "");
  if (!match) throw new Error(`not an RFC 3339 time with a fraction: ${time}`);
  return `${Date.parse(`${match[1]}Z`) / 1000}.${match[2]}`;
}

const sortFlows = (flows: PcapFlow[]) =>
  flows
    .map(({ protocolNumber, source, sourcePort, destination, destinationPort, packets, bytes }) => ({
      protocolNumber,
      source,
      sourcePort,
      destination,
      destinationPort,
      packets,
      bytes,
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function expectSummaryAsTshark(file: string): Promise<void> {
  const summary = await summarizePcap(file, { topFlows: 1_000_000 });
  const info = await capinfos(file);
  expect({
    packets: summary.packets,
    bytes: summary.bytes,
    first: epoch(summary.firstPacketTime),
    last: epoch(summary.lastPacketTime),
  }).toEqual(info);
  const flows = await tsharkFlows(file);
  expect(flows.length).toBeGreaterThan(0);
  expect(sortFlows(summary.flows)).toEqual(sortFlows(flows));
  expect(summary.flowCount).toBe(flows.length);
}

const hasTools = ["tshark", "capinfos"].every(
  (t) => spawnSync(t, ["--version"], { stdio: "ignore" }).status === 0,
);

if (hasTools) {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pcap-merge-tshark-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("a merge of a full capture's parts", () => {
    let merged: string;
    let partPackets: number;
    beforeAll(async () => {
      // Four edge servers' files over overlapping windows, as the emulator writes them for a full
      // capture, and two hand-made ones: big-endian with nanoseconds, and one without packets.
      const parts: string[] = [];
      partPackets = 0;
      for (let i = 0; i < 4; i++) {
        const path = join(dir, `pcap_edge${i}.pcap`);
        const start = Date.UTC(2025, 0, 1) + i * 1500;
        const written = await writePcapFile(
          path,
          options({
            seed: `edge${i}`,
            packetCount: 800,
            snaplen: 65535,
            startTimeMs: start,
            durationSeconds: 10,
          }),
        );
        partPackets += written.packets;
        parts.push(path);
      }
      const handMadeParts: Array<[string, Buffer]> = [
        [
          "pcap_handmade.pcap",
          pcapBytes({
            littleEndian: false,
            nanosecond: true,
            records: records([1, 2, 3].flatMap(handMade), 1_735_689_602, true),
          }),
        ],
        ["pcap_empty.pcap", pcapBytes({ records: [] })],
      ];
      for (const [name, bytes] of handMadeParts) {
        await writeFile(join(dir, name), bytes);
        parts.push(join(dir, name));
      }
      partPackets += 3 * handMade(0).length;
      merged = join(dir, "merged.pcap");
      const result = await mergePcapFiles(parts, merged);
      expect(result.packets).toBe(partPackets);
    });

    it("is read by tshark without a warning, every packet, time never going back", async () => {
      const out = await tool("tshark", ["-r", merged, "-T", "fields", "-e", "frame.time_epoch"]);
      const times = out.trim().split("\n");
      expect(times).toHaveLength(partPackets);
      const ns = times.map((t) => {
        const [whole, fraction] = t.split(".");
        return BigInt(whole) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0"));
      });
      const backwards = ns.findIndex((t, i) => i > 0 && t < ns[i - 1]);
      expect(backwards).toBe(-1);
    });

    it("has capinfos' figures in its summary, and tshark's flows", async () => {
      await expectSummaryAsTshark(merged);
    });
  });

  it.each([
    [
      "Linux cooked (113)",
      113,
      (p: Buffer) => Buffer.concat([Buffer.from("00000001000600112233445500000800", "hex"), p]),
    ],
    ["raw IP (101)", 101, (p: Buffer) => p],
  ])("summarizes a %s capture as tshark does", async (_name, linkType, frame) => {
    // The IPv4 and IPv6 packets of the hand-made set, without their Ethernet header (14 bytes, no tags).
    const packets = handMade(1)
      .filter((f) => [0x0800, 0x86dd].includes(f.readUInt16BE(12)))
      .map((f) => {
        const ip = f.subarray(14);
        const length = ip[0] >> 4 === 4 ? ip.readUInt16BE(2) : 40 + ip.readUInt16BE(4);
        const packet = frame(Buffer.from(ip.subarray(0, length)));
        if (linkType === 113 && ip[0] >> 4 === 6) packet.writeUInt16BE(0x86dd, 14);
        return packet;
      });
    const file = join(dir, `link-${linkType}.pcap`);
    await writeFile(file, pcapBytes({ linkType, records: records(packets, 1_700_000_000) }));
    await expectSummaryAsTshark(file);
  });
} else {
  // Not skipped: these checks are the point of the merge and the summary.
  test("tshark and capinfos are installed", () => {
    throw new Error(
      "tshark and capinfos are not on PATH: install Wireshark's tshark (Debian: apt-get install -y tshark).",
    );
  });
}
