/**
 * Wireshark's own dissectors are the judge of "readable without warnings": every scenario is written
 * to disk and read back with tshark in two-pass mode (so request/response matching runs, as in the
 * Wireshark GUI) with checksum validation switched on. Requires tshark on PATH; see the bottom.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type SyntheticPcapOptions, writePcapFile } from "../../emulator/pcap";
import type { CaptureFilter } from "../../client/types";
import { options } from "./helpers";

const run = promisify(execFile);
const CHECKSUMS = [
  "-o",
  "ip.check_checksum:TRUE",
  "-o",
  "tcp.check_checksum:TRUE",
  "-o",
  "udp.check_checksum:TRUE",
];
/** tshark prints this to stderr whenever it runs as root (CI does); it says nothing about the file. */
const ROOT_NOTICE = /^Running as user "root".*\n?/gm;

interface Scenario {
  name: string;
  opts: SyntheticPcapOptions;
}

const web = { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 };
const SCENARIOS: Scenario[] = [
  { name: "simple, unfiltered", opts: options({ packetCount: 2000 }) },
  { name: "simple, unfiltered, other seed", opts: options({ packetCount: 2000, seed: "other" }) },
  { name: "full, unfiltered", opts: options({ packetCount: 2000, snaplen: 65535 }) },
  {
    name: "simple, TCP to 203.0.113.7:443",
    opts: options({ filter: web }),
  },
  {
    name: "full, TCP to 203.0.113.7:443",
    opts: options({ filter: web, snaplen: 65535 }),
  },
  {
    name: "simple, full 5-tuple",
    opts: options({
      filter: { ...web, sourceAddress: "198.51.100.9", sourcePort: 50123 },
    }),
  },
  ...[1, 6, 17, 4, 41, 47, 50].flatMap((protocol) =>
    [160, 65535].map((snaplen) => ({
      name: `protocol ${protocol}, snaplen ${snaplen}`,
      opts: options({ filter: { protocol }, snaplen }),
    })),
  ),
  {
    name: "ICMP from one address (replies only)",
    opts: options({ filter: { protocol: 1, sourceAddress: "198.51.100.1" } }),
  },
  ...[
    ["tcp", 80],
    ["tcp", 8080],
    ["tcp", 53],
    ["tcp", 22],
    ["tcp", 123],
    ["udp", 53],
    ["udp", 123],
    ["udp", 443],
  ].flatMap(([proto, port]) =>
    (["destinationPort", "sourcePort"] as const).map((field) => ({
      name: `${proto} ${field} ${port}, full`,
      opts: options({ filter: { protocol: proto === "tcp" ? 6 : 17, [field]: port }, snaplen: 65535 }),
    })),
  ),
  { name: "any protocol to port 8443", opts: options({ filter: { destinationPort: 8443 } }) },
  { name: "targetBytes, simple", opts: options({ targetBytes: 2_000_000 }) },
];

async function tshark(args: string[]): Promise<string> {
  const { stdout, stderr } = await run("tshark", args, { maxBuffer: 64 * 1024 * 1024 });
  expect(stderr.replace(ROOT_NOTICE, "")).toBe("");
  return stdout;
}

/** The expert summary's sections that are not merely informational, e.g. "Warns (3)" with its rows. */
function problems(expert: string): string[] {
  return expert
    .split(/\n\s*\n/)
    .map((section) => section.trim())
    .filter((section) => /^(Errors|Warns|Notes) \(\d+\)/.test(section));
}

const FIELDS = [
  "frame.number",
  "ip.src",
  "ip.dst",
  "ip.proto",
  "tcp.srcport",
  "tcp.dstport",
  "udp.srcport",
  "udp.dstport",
].flatMap((field) => ["-e", field]);

/** The decoded fields a filter pins, in the shape of the decoded rows. */
function expected(filter: CaptureFilter): Record<string, string | number> {
  const pinned: Record<string, string | number | undefined> = {
    src: filter.sourceAddress,
    dst: filter.destinationAddress,
    proto: filter.protocol,
    sport: filter.sourcePort,
    dport: filter.destinationPort,
  };
  return Object.fromEntries(
    Object.entries(pinned).filter((entry): entry is [string, string | number] => entry[1] !== undefined),
  );
}

const hasTshark = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;

if (hasTshark) {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pcap-tshark-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("tshark reads every generated file without expert warnings", () => {
    test.concurrent.each(SCENARIOS.map((s, i) => [s.name, s, i] as const))(
      "%s",
      async (_name, scenario, i) => {
        const file = join(dir, `${i}.pcap`);
        const { packets } = await writePcapFile(file, scenario.opts);
        // A row of decoded fields per packet, then the expert summary. Not `-q -z expert`: without
        // output tshark builds no protocol tree and many malformed-packet errors never fire.
        // -2 runs two passes, so request/response tracking (ICMP, DNS, HTTP) works as in the GUI.
        const out = await tshark([
          "-r",
          file,
          "-2",
          ...CHECKSUMS,
          "-T",
          "fields",
          ...FIELDS,
          "-E",
          "occurrence=f",
          "-z",
          "expert",
        ]);
        const rows = out.split("\n").filter((line) => /^\d+\t/.test(line));
        expect(rows).toHaveLength(packets);
        const filter = scenario.opts.filter ?? {};
        for (const row of rows) {
          const [, src, dst, proto, tcpSport, tcpDport, udpSport, udpDport] = row.split("\t");
          // As Wireshark decoded it, not as the generator meant it.
          const decoded = {
            src,
            dst,
            proto: Number(proto),
            sport: Number(tcpSport || udpSport),
            dport: Number(tcpDport || udpDport),
          };
          expect(decoded).toMatchObject(expected(filter));
        }
        expect(problems(out)).toEqual([]);
      },
    );

    it("counts every packet with the display filter equivalent to the capture filter", async () => {
      const file = join(dir, "web.pcap");
      const { packets } = await writePcapFile(file, options({ filter: web, packetCount: 1000 }));
      const listed = await tshark(["-r", file, "-Y", "ip.dst==203.0.113.7 && tcp.dstport==443"]);
      expect(listed.trim().split("\n")).toHaveLength(packets);
    });
  });
} else {
  // Not skipped: a pcap file Wireshark cannot read cleanly is exactly what these tests exist to catch.
  test("tshark is installed", () => {
    throw new Error(
      "tshark is not on PATH: install Wireshark's tshark (Debian: apt-get install -y tshark; .ci/run does) " +
        "so that the emulator's pcap files are checked by Wireshark's own dissectors.",
    );
  });
}
