/**
 * Command-line flags → EmulatorOptions. Pure (no I/O), so it is unit-tested and reusable by any other
 * command that embeds the emulator. Every bad value is reported naming the flag and what it allows.
 */
import { parseArgs } from "node:util";
import {
  FINISHED_SIMPLE_STATUSES,
  parseRateLimit,
  resolveOptions,
  type EmulatorOptions,
  type FinishedSimpleStatus,
} from "./options";

export type CliParse =
  | { kind: "help" }
  | { kind: "run"; options: EmulatorOptions; log: boolean }
  | { kind: "error"; message: string };

/** The name of the emulator's own binary (emulator/cli.ts); a command embedding it passes its own. */
export const EMULATOR_PROGRAM = "pcap-emulator";

/** The help text, naming the program it runs as. */
export function usage(program: string): string {
  return `Usage: ${program} [flags]

Runs a local emulator of Cloudflare's PCAP API until SIGINT or SIGTERM.

  --port <n>                    TCP port, 0 = any free port (default 0)
  --host <address>              interface to listen on (default 127.0.0.1)
  --data-dir <dir>              buckets and state.json live here (default: a temp dir removed on exit)
  --persist                     keep state in <data-dir>/state.json across restarts
  --token <token>               the API token clients must send (default: random)
  --account <id>                the account id, 32 lowercase hex (default: random)
  --time-scale <x>              emulated seconds per real second, > 0 (default 1)
  --rate-limit <n>/<seconds>    global limit per credential (default 1200/300)
  --simple-capture-interval <s> emulated seconds between simple captures, ≥ 0 (default 60)
  --validation-delay <s>        emulated seconds a validated ownership stays pending, ≥ 0 (default 0)
  --fault-rate <0..1>           fraction of requests answered 500/503 (default 0)
  --reset-rate <0..1>           fraction of connections reset without an answer (default 0)
  --drop-rate <0..1>            fraction of POST/PUT/DELETE applied, then the answer dropped (default 0)
  --latency <ms>                added delay per request, ≥ 0 (default 0)
  --fault-seed <text>           seed of the fault sequence (default "pcap-emulator")
  --accept-filename-challenge   also accept the challenge file's name when validating ownership
  --download-packets <n>        packets in every simple-capture download, ≥ 0
  --download-bytes <n>          size of every simple-capture download (≤ 1 record short), ≥ 24
  --finished-simple-status <s> status of a finished simple capture: success or complete (default success)
  --no-unknown-fields           send only the fields the official SDK declares (default: add a few
                                fields no client knows to every capture and ownership object)
  --log                         one line per request on stderr (never credentials)
  -h, --help                    this text
`;
}

export const USAGE = usage(EMULATOR_PROGRAM);

const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  "data-dir": { type: "string" },
  persist: { type: "boolean" },
  token: { type: "string" },
  account: { type: "string" },
  "time-scale": { type: "string" },
  "rate-limit": { type: "string" },
  "simple-capture-interval": { type: "string" },
  "validation-delay": { type: "string" },
  "fault-rate": { type: "string" },
  "reset-rate": { type: "string" },
  "drop-rate": { type: "string" },
  latency: { type: "string" },
  "fault-seed": { type: "string" },
  "accept-filename-challenge": { type: "boolean" },
  "download-packets": { type: "string" },
  "download-bytes": { type: "string" },
  "finished-simple-status": { type: "string" },
  "no-unknown-fields": { type: "boolean" },
  log: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

class FlagError extends Error {}

/** A number from a flag, or a FlagError naming the flag and the allowed values. */
function numberFlag(
  name: string,
  text: string | undefined,
  allowed: string,
  ok: (n: number) => boolean,
): number | undefined {
  if (text === undefined) return undefined;
  const value = text.trim() === "" ? NaN : Number(text);
  if (!Number.isFinite(value) || !ok(value)) {
    throw new FlagError(`--${name} must be ${allowed} (got ${JSON.stringify(text)})`);
  }
  return value;
}

const isInt =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (n: number) =>
    Number.isInteger(n) && n >= min && n <= max;
const isRate = (n: number) => n >= 0 && n <= 1;

function parseFlags(argv: string[]) {
  return parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
}

export function parseCliArgs(argv: string[]): CliParse {
  let values: ReturnType<typeof parseFlags>;
  try {
    values = parseFlags(argv);
  } catch (error) {
    // parseArgs names the flag; an unknown one also gets the list of flags that do exist.
    const { code, message } = error as NodeJS.ErrnoException;
    const known = Object.keys(FLAGS).map((f) => `--${f}`);
    const hint = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? ` (allowed: ${known.join(", ")})` : "";
    return { kind: "error", message: `${message}${hint}. Run with --help for details.` };
  }
  if (values.help) return { kind: "help" };
  try {
    const options: EmulatorOptions = {};
    const set = <K extends keyof EmulatorOptions>(key: K, value: EmulatorOptions[K] | undefined) => {
      if (value !== undefined) options[key] = value;
    };
    set("port", numberFlag("port", values.port, "an integer from 0 to 65535", isInt(0, 65535)));
    set("host", values.host);
    set("dataDir", values["data-dir"]);
    if (values.persist) {
      // A temp data directory is removed on exit: persisting into it would keep nothing.
      if (values["data-dir"] === undefined)
        throw new FlagError("--persist needs --data-dir <dir> (state lives there)");
      options.persist = true;
    }
    set("token", values.token);
    if (values.account !== undefined && !/^[0-9a-f]{32}$/.test(values.account)) {
      throw new FlagError(
        `--account must be 32 lowercase hex characters (got ${JSON.stringify(values.account)})`,
      );
    }
    set("accountId", values.account);
    set(
      "timeScale",
      numberFlag("time-scale", values["time-scale"], "a number > 0", (n) => n > 0),
    );
    if (values["rate-limit"] !== undefined) {
      try {
        options.rateLimit = parseRateLimit(values["rate-limit"]);
      } catch {
        throw new FlagError(
          `--rate-limit must be <requests>/<seconds>, e.g. 1200/300 (got ${JSON.stringify(values["rate-limit"])})`,
        );
      }
    }
    set(
      "simpleCaptureIntervalSeconds",
      numberFlag(
        "simple-capture-interval",
        values["simple-capture-interval"],
        "a number of seconds ≥ 0",
        (n) => n >= 0,
      ),
    );
    set(
      "validationDelaySeconds",
      numberFlag("validation-delay", values["validation-delay"], "a number of seconds ≥ 0", (n) => n >= 0),
    );
    const faults = {
      errorRate: numberFlag("fault-rate", values["fault-rate"], "a number from 0 to 1", isRate),
      resetRate: numberFlag("reset-rate", values["reset-rate"], "a number from 0 to 1", isRate),
      dropAfterApplyRate: numberFlag("drop-rate", values["drop-rate"], "a number from 0 to 1", isRate),
      latencyMs: numberFlag("latency", values.latency, "a number of milliseconds ≥ 0", (n) => n >= 0),
      seed: values["fault-seed"],
    };
    const given = Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined));
    if (Object.keys(given).length > 0) options.faults = given;
    if (values["accept-filename-challenge"]) options.acceptFilenameChallenge = true;
    set(
      "downloadPacketCount",
      numberFlag("download-packets", values["download-packets"], "an integer ≥ 0", isInt(0)),
    );
    set(
      "downloadBytes",
      numberFlag("download-bytes", values["download-bytes"], "an integer ≥ 24", isInt(24)),
    );
    const finished = values["finished-simple-status"];
    if (finished !== undefined) {
      if (!(FINISHED_SIMPLE_STATUSES as readonly string[]).includes(finished)) {
        throw new FlagError(
          `--finished-simple-status must be ${FINISHED_SIMPLE_STATUSES.join(" or ")} (got ${JSON.stringify(finished)})`,
        );
      }
      options.finishedSimpleStatus = finished as FinishedSimpleStatus;
    }
    if (values["no-unknown-fields"]) options.unknownFields = false;
    if (values.token !== undefined) checkToken(values.token);
    // Whatever the flags let through, the options' own checks must accept too.
    resolveOptions(options);
    return { kind: "run", options, log: values.log ?? false };
  } catch (error) {
    return { kind: "error", message: (error as Error).message };
  }
}

function checkToken(token: string): void {
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token)) {
    throw new FlagError(
      "--token must be non-empty and use only letters, digits and . _ ~ + / - (and trailing =)",
    );
  }
}
