/**
 * examples/gitops/pcaps-file.ts: pcaps.yaml is validated before anything reaches Cloudflare, and every
 * problem names the file, line and column, the entry and the field.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES_DIR, loadExample } from "./helpers";

type PcapsFileModule = typeof import("../../examples/gitops/pcaps-file");
const { loadPcapsFile, parsePcapsFile, PcapsFileError } = loadExample<PcapsFileModule>("gitops/pcaps-file");

/** The message of the PcapsFileError that parsing `text` (as "pcaps.yaml") throws. */
function problems(text: string): string {
  try {
    parsePcapsFile(text, "pcaps.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(PcapsFileError);
    return (err as Error).message;
  }
  throw new Error("expected the file to be rejected");
}

const BUCKET = `buckets:
  - name: edge-pcaps
    destination: s3://acme-edge-pcaps/ord?region=us-east-1
`;

it("the example's own pcaps.yaml is valid; protocol names become numbers", () => {
  expect(loadPcapsFile(join(EXAMPLES_DIR, "gitops", "pcaps.yaml"))).toEqual({
    buckets: [{ name: "edge-pcaps", destination: "s3://acme-edge-pcaps/ord?region=us-east-1" }],
    captures: [
      {
        name: "web-https-sample",
        type: "simple",
        timeLimit: 60,
        packetLimit: 1000,
        waitForCompletion: true,
        filter: { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 },
      },
      {
        name: "ord-dns-full",
        type: "full",
        bucket: "edge-pcaps",
        colo: "ord02",
        timeLimit: 300,
        packetLimit: 10000,
        filter: { destinationAddress: "203.0.113.53", protocol: 17, destinationPort: 53 },
      },
    ],
  });
  expect(parsePcapsFile("", "empty.yaml")).toEqual({ buckets: [], captures: [] });
});

it.each<[string, string, string]>([
  [
    "a full capture without colo",
    `${BUCKET}captures:
  - name: ord-full
    type: full
    bucket: edge-pcaps
    timeLimit: 300
`,
    'pcaps.yaml:5:5: captures[0] "ord-full", field "colo": is required (a data centre such as ord02, or a city code such as ORD)',
  ],
  [
    "a full capture into an undeclared bucket",
    `${BUCKET}captures:
  - name: ord-full
    type: full
    bucket: edge
    colo: ord02
    timeLimit: 300
`,
    'pcaps.yaml:7:5: captures[0] "ord-full", field "bucket": no bucket named "edge" is declared in "buckets" (declared: edge-pcaps)',
  ],
  [
    "a simple capture longer than 300 s",
    `captures:
  - name: web
    type: simple
    timeLimit: 600
    packetLimit: 100
`,
    'pcaps.yaml:4:5: captures[0] "web", field "timeLimit": must be a whole number from 1 to 300 (got 600)',
  ],
  [
    "an unknown protocol in a filter",
    `captures:
  - name: web
    type: simple
    timeLimit: 60
    packetLimit: 100
    filter:
      protocol: sctp
`,
    'pcaps.yaml:7:7: captures[0] "web", field "filter.protocol": must be tcp, udp, icmp or an IP protocol number from 0 to 255 (got "sctp")',
  ],
  [
    "a capture without a type",
    `captures:
  - name: web
    timeLimit: 60
`,
    'pcaps.yaml:2:5: captures[0] "web", field "type": is required ("simple" or "full")',
  ],
  [
    "a capture that is not a mapping",
    `captures:
  - web
`,
    'pcaps.yaml:2:5: captures[0]: must be a capture: a mapping with name, type, timeLimit, ... (got "web")',
  ],
  [
    "a capture type that does not exist",
    `captures:
  - name: web
    type: sampled
`,
    'pcaps.yaml:3:5: captures[0] "web", field "type": must be "simple" or "full" (got "sampled")',
  ],
  [
    "a bucket URI Cloudflare does not accept",
    `buckets:
  - name: edge-pcaps
    destination: ftp://acme/pcaps
`,
    'pcaps.yaml:3:5: buckets[0] "edge-pcaps", field "destination": scheme "ftp://" is not supported (allowed: s3://, gs://, r2://)',
  ],
  [
    "two buckets with the same name",
    `${BUCKET}  - name: edge-pcaps
    destination: gs://other-pcaps
`,
    'pcaps.yaml:4:5: buckets[1] "edge-pcaps", field "name": "edge-pcaps" is already the name of buckets[0]: names must be unique',
  ],
  [
    "a top level that is a list",
    "- name: web\n",
    'pcaps.yaml:1:1: must be a mapping with the lists "buckets" and "captures" (got [{"name":"web"}])',
  ],
  [
    "broken YAML",
    "captures:\n  - name: [web\n",
    "pcaps.yaml:3:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
  ],
  [
    "a field given twice",
    "captures:\n  - name: a\n    name: b\n",
    "pcaps.yaml:3:5: not valid YAML: Map keys must be unique",
  ],
])("%s", (_what, text, message) => {
  expect(problems(text)).toContain(message);
});

it("every problem of the file is reported at once, unknown fields by name", () => {
  const message = problems(`captures:
  - name: web
    type: simple
    timelimit: 60
    packetLimit: 100000
    filter: { destinationAddress: 203.0.113.300 }
`);
  expect(message.split("\n")).toEqual([
    "pcaps.yaml has 4 problems:",
    '  pcaps.yaml:2:5: captures[0] "web", field "timeLimit": is required (a whole number from 1 to 300)',
    '  pcaps.yaml:4:5: captures[0] "web", field "timelimit": is not a known field',
    '  pcaps.yaml:5:5: captures[0] "web", field "packetLimit": must be a whole number from 1 to 10000 (got 100000)',
    '  pcaps.yaml:6:15: captures[0] "web", field "filter.destinationAddress": must be an IPv4 address (got "203.0.113.300")',
  ]);
});

it("the message shown in examples/gitops/README.md is the real one", () => {
  const text = readFileSync(join(EXAMPLES_DIR, "gitops", "pcaps.yaml"), "utf8")
    .replace("    bucket: edge-pcaps", "    bucket: edge")
    .replace("timeLimit: 300", "timeLimit: 0");
  const readme = readFileSync(join(EXAMPLES_DIR, "gitops", "README.md"), "utf8");
  expect(readme).toContain(problems(text));
});

it("a file that cannot be read is named", () => {
  expect(() => loadPcapsFile("/nonexistent/pcaps.yaml")).toThrow(
    /^\/nonexistent\/pcaps\.yaml:1:1: cannot be read: ENOENT/,
  );
});
