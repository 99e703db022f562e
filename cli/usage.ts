/**
 * Help texts, for whatever name the command is installed under (see {@link helpTexts}). The first line
 * of each is the usage line repeated under every usage error.
 */
import { DEFAULT_RATE_LIMIT, formatRateLimit, ID_FORM } from "../client";

/** The name npm links the binary under (package.json "bin"); main.ts passes it to run(). */
export const PROGRAM = "pulumi-cloudflare-pcap";

export const DEFAULT_WAIT_TIMEOUT_SECONDS = 600;

/** Which help text: the top-level one or a command's. */
export type HelpTopic = "main" | "download" | "list";

export function helpTexts(program: string): Record<HelpTopic, string> {
  return { main: mainUsage(program), download: downloadUsage(program), list: listUsage(program) };
}

const mainUsage = (program: string) => `Usage: ${program} <command> [options]

Cloudflare packet captures (the PCAP API) from the command line.

Commands:
  download <captureId>   save a finished simple capture as a .pcap file, optionally waiting for it
  list                   show the account's packet captures and bucket ownerships
  emulator               run a local emulator of the PCAP API (same flags as \`npm run emulator\`)

Global options:
  --account <id>   the Cloudflare account (default: $CLOUDFLARE_ACCOUNT_ID)
  -h, --help       show help; \`${program} <command> --help\` for a command's options
  --version        print the version

Environment (the same variables as the Pulumi provider):
  CLOUDFLARE_API_TOKEN         API token with a "Magic Firewall Packet Captures" permission, or
  CLOUDFLARE_API_KEY           a global API key together with
  CLOUDFLARE_EMAIL             the account's email
  CLOUDFLARE_ACCOUNT_ID        the default account
  CLOUDFLARE_BASE_URL          the API base URL (e.g. an emulator's)
  CLOUDFLARE_PCAP_RATE_LIMIT   request budget, <requests>/<seconds> (default ${formatRateLimit(DEFAULT_RATE_LIMIT)})

Exit codes: 0 done, 1 API error or the capture cannot be downloaded, 2 wrong command line.
`;

const downloadUsage = (
  program: string,
) => `Usage: ${program} download <captureId> [-o <file>] [--wait [--timeout <s>]] [--account <id>]

Downloads a finished simple capture's pcap file. Full captures cannot be downloaded: Cloudflare writes
their files to the bucket named in their destination_conf.

  <captureId>           the capture's id, ${ID_FORM}
  -o, --output <file>   where to write (default: pcap_<captureId>.pcap in the current directory);
                        written under a temporary name and renamed when complete
  --wait                wait until the capture has finished, showing its status, then download
  --timeout <s>         with --wait: give up after this many seconds (default ${DEFAULT_WAIT_TIMEOUT_SECONDS})
  --account <id>        the Cloudflare account (default: $CLOUDFLARE_ACCOUNT_ID)
  -h, --help            this text

Prints the file's path, size and packet count on stdout; progress goes to stderr.
`;

const listUsage = (program: string) => `Usage: ${program} list [--json] [--account <id>]

Shows the account's packet captures (the newest 50, as the API keeps them) and the buckets registered
for full captures, as two tables.

  --json           print {"captures": [...], "ownerships": [...]} instead, for scripts
  --account <id>   the Cloudflare account (default: $CLOUDFLARE_ACCOUNT_ID)
  -h, --help       this text
`;

export function usageLine(text: string): string {
  return text.slice(0, text.indexOf("\n"));
}
