/**
 * Help texts, for whatever name the command is installed under (see {@link helpTexts}). The first line
 * of each is the usage line repeated under every usage error. Every command and every flag is here:
 * a test checks each flag the parser accepts appears in its command's text.
 */
import { DEFAULT_RATE_LIMIT, formatRateLimit, ID_FORM, LIMITS } from "../client";

/** The name npm links the binary under (package.json "bin"); main.ts passes it to run(). */
export const PROGRAM = "pulumi-cloudflare-pcap";

export const DEFAULT_WAIT_TIMEOUT_SECONDS = 600;

/** Flows in a file's summary unless `--top` says otherwise. */
export const DEFAULT_TOP_FLOWS = 10;

/** Which help text: the top-level one or a command's. */
export type HelpTopic =
  "main" | "capture" | "get" | "stop" | "download" | "list" | "buckets" | "merge" | "summary";

export function helpTexts(program: string): Record<HelpTopic, string> {
  return {
    main: mainUsage(program),
    capture: captureUsage(program),
    get: getUsage(program),
    stop: stopUsage(program),
    download: downloadUsage(program),
    list: listUsage(program),
    buckets: bucketsUsage(program),
    merge: mergeUsage(program),
    summary: summaryUsage(program),
  };
}

const ACCOUNT = "  --account <id>        the Cloudflare account (default: $CLOUDFLARE_ACCOUNT_ID)";
const JSON_FLAG = "  --json                print one JSON document on stdout instead of text, for scripts";
const HELP = "  -h, --help            this text";
const TOP = `  --top <n>             flows in the file's summary, 0 for none (default ${DEFAULT_TOP_FLOWS})`;
const SUMMARY =
  "After the file is written, its summary goes to stdout: packets, bytes, first and last packet time\n" +
  "and the top flows (as `summary <file>` prints it).";

const mainUsage = (program: string) => `Usage: ${program} <command> [options]

Cloudflare packet captures (the PCAP API) from the command line.

Commands:
  capture                     start a simple or full capture, follow it, and with -o save it as one pcap
  get <captureId>             show one capture
  stop <captureId>            stop a running full capture (it then converts and completes)
  download <captureId>        save a finished capture as one pcap (a full capture's parts are merged)
  list                        show the account's packet captures and bucket ownerships
  buckets list                show the buckets registered for full captures
  buckets add <destination>   register a bucket (Cloudflare writes a challenge file into it)
  buckets validate <destination> --challenge <token|@file>
                              prove ownership with the challenge file's token
  buckets delete <id|destination>
                              delete a bucket registration
  merge <files…> -o <file>    merge pcap files into one, in timestamp order
  summary <file>              packets, bytes, time span and top flows of a pcap file
  emulator                    run a local emulator of the PCAP API (same flags as \`npm run emulator\`)
  help [<command>]            this text, or a command's

Global options:
  --account <id>   the Cloudflare account (default: $CLOUDFLARE_ACCOUNT_ID)
  --json           one JSON document on stdout (camelCase), nothing else; progress stays on stderr
  -h, --help       show help; \`${program} <command> --help\` for a command's options
  --version        print the version

Environment (the same variables as the Pulumi provider):
  CLOUDFLARE_API_TOKEN         API token with a "Magic Firewall Packet Captures" permission, or
  CLOUDFLARE_API_KEY           a global API key together with
  CLOUDFLARE_EMAIL             the account's email
  CLOUDFLARE_ACCOUNT_ID        the default account
  CLOUDFLARE_BASE_URL          the API base URL (e.g. an emulator's)
  CLOUDFLARE_PCAP_RATE_LIMIT   request budget, <requests>/<seconds> (default ${formatRateLimit(DEFAULT_RATE_LIMIT)})
  Fetching a full capture's files from S3 or R2 uses the AWS SDK's variables (README: "Full captures").

Exit codes: 0 done, 1 API, capture or file error (or interrupted), 2 wrong command line.
`;

const captureUsage = (
  program: string,
) => `Usage: ${program} capture --type simple|full --time-limit <s> [options]

Starts a packet capture, follows it with a progress line on stderr until it is done, and with -o saves
its packets as one pcap file (a simple capture is downloaded; a full capture's files are fetched from its
bucket and merged).

Capture:
  --type simple|full      simple: a sample of traffic that already passed (downloaded from the API);
                          full: new traffic, written into your bucket (required)
  --time-limit <s>        seconds to capture: ${LIMITS.simpleTimeLimit.min}–${LIMITS.simpleTimeLimit.max} simple, ${LIMITS.fullTimeLimit.min}–${LIMITS.fullTimeLimit.max} full (required)
  --packet-limit <n>      stop after this many packets, ${LIMITS.packetLimit.min}–${LIMITS.packetLimit.max} (required for simple)
  --byte-limit <n>        full only: stop after this many bytes, ${LIMITS.byteLimit.min}–${LIMITS.byteLimit.max}
  --colo <name>           full only: the data centre to capture in, e.g. ord02 (required for full)
  --destination <uri>     full only: a validated bucket, s3://<bucket>[/dir]?region=…, gs://… or
                          r2://<bucket>[/dir]?account-id=… (required for full; see \`buckets\`)
  --offset-time <time>    simple only: start from this RFC 3339 time, within the last 24 hours

Filter (every field optional; absent = any):
  --src <ipv4>            source address
  --dst <ipv4>            destination address
  --src-port <port>       source port, ${LIMITS.port.min}–${LIMITS.port.max}
  --dst-port <port>       destination port, ${LIMITS.port.min}–${LIMITS.port.max}
  --protocol <p>          tcp, udp, icmp or an IP protocol number ${LIMITS.protocol.min}–${LIMITS.protocol.max} (ports need tcp or udp)

Following:
  -o, --output <file>     when done, save the capture here (written under a temporary name, renamed
                          when complete: never a half-written file)
  --detach, --no-follow   print the capture's id and return at once
  --stop-on-interrupt     full only: Ctrl-C stops the capture without asking, and following goes on
                          until its files are written (and fetched, with -o)
${TOP}
${ACCOUNT}
${JSON_FLAG}:
                        {"capture": …, "file"?: …, "summary"?: …}
${HELP}

Ctrl-C while following a full capture asks "stop capture <id>? [y/N]" on a terminal; without a terminal
(or with "n") the capture keeps running and the command says how to fetch it later. A simple capture
cannot be stopped: Ctrl-C stops following and prints the \`download <id> --wait -o <file>\` to resume.
${SUMMARY}
`;

const getUsage = (program: string) => `Usage: ${program} get <captureId> [--json] [--account <id>]

Shows one capture: type, status, time limit, filter, destination, packets captured (full captures),
when stop was requested, and why it failed.

  <captureId>           the capture's id, ${ID_FORM}
${JSON_FLAG}: the capture
${ACCOUNT}
${HELP}
`;

const stopUsage = (program: string) => `Usage: ${program} stop <captureId> [--json] [--account <id>]

Stops a full capture that is pending or running: Cloudflare stops collecting, converts what it has and
writes the files into the bucket. Simple captures cannot be stopped (they end by themselves).

  <captureId>           the capture's id, ${ID_FORM}
${JSON_FLAG}: the capture after the stop
${ACCOUNT}
${HELP}
`;

const downloadUsage = (
  program: string,
) => `Usage: ${program} download <captureId> [-o <file>] [--wait [--timeout <s>]] [--account <id>]

Saves a finished capture as one pcap file. A simple capture is downloaded from the API; a full capture's
files (one per edge server that saw traffic) are fetched from the bucket in its destination_conf and
merged in timestamp order.

  <captureId>           the capture's id, ${ID_FORM}
  -o, --output <file>   where to write (default: pcap_<captureId>.pcap in the current directory);
                        written under a temporary name and renamed when complete
  --wait                wait until the capture has finished, showing its status, then download
  --timeout <s>         with --wait: give up after this many seconds (default ${DEFAULT_WAIT_TIMEOUT_SECONDS})
${TOP}
${ACCOUNT}
${JSON_FLAG}:
                        {"file": {"path", "bytes", "packets", "parts"?}, "summary": …}
${HELP}

Prints the file's path, size and packet count on stdout, then its summary; progress goes to stderr.
`;

const listUsage = (program: string) => `Usage: ${program} list [--json] [--account <id>]

Shows the account's packet captures (the newest 50, as the API keeps them) and the buckets registered
for full captures, as two tables.

  --json                print {"captures": [...], "ownerships": [...]} instead, for scripts
${ACCOUNT}
${HELP}
`;

const bucketsUsage = (
  program: string,
) => `Usage: ${program} buckets list|add|validate|delete [arguments] [--json] [--account <id>]

Buckets full captures are written to. Cloudflare writes only into a bucket you have registered and
proven you own: \`add\` registers it and Cloudflare writes a challenge file into it; \`validate\` sends
the token from that file.

  buckets list                              the registered buckets and their status
  buckets add <destination>                 register a bucket: s3://<bucket>[/dir]?region=…,
                                            gs://<bucket>[/dir] or r2://<bucket>[/dir]?account-id=…
  buckets validate <destination> --challenge <token|@file>
                                            prove ownership; @file reads the token from a file
                                            (a trailing newline is ignored)
  buckets delete <ownershipId|destination>  delete a registration, by id or by its bucket URI

  --challenge <token|@file>   validate: the challenge file's token, or @<file> holding it
${ACCOUNT}
${JSON_FLAG}: the ownership (list: {"ownerships": [...]};
                        delete: {"deleted": {"id", "destinationConf"?}})
${HELP}
`;

const mergeUsage = (program: string) => `Usage: ${program} merge <files…> -o <file> [--json]

Merges pcap files into one, packets in timestamp order: the files a full capture wrote (one per edge
server), or any captures of the same link type. Streams: memory stays small whatever the sizes. Every
input is checked as a pcap file; on any error no output file is left.

  <files…>              the pcap files to merge (one or more)
  -o, --output <file>   the merged file (required); written under a temporary name, renamed when complete
${TOP}
${JSON_FLAG}:
                        {"file": {"path", "bytes", "packets", "parts"}, "summary": …}
${HELP}

${SUMMARY}
`;

const summaryUsage = (program: string) => `Usage: ${program} summary <file> [--top <n>] [--json]

What is in a pcap file: packets, bytes (on the wire and as captured), the link type, the first and last
packet time and the span between them, and the top flows (protocol, addresses, ports, packets, bytes),
largest first by bytes.

  <file>                a pcap file
${TOP}
${JSON_FLAG}: the summary
${HELP}
`;

export function usageLine(text: string): string {
  return text.slice(0, text.indexOf("\n"));
}
