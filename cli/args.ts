/**
 * The command line → what to do. Pure (no I/O) and throwing {@link UsageError} for every mistake, so the
 * caller turns all of them into one message + usage line + exit 2, before any API call.
 *
 * Every command is one declarative {@link Spec} in {@link SPECS}: its options, positionals, help topic
 * and a `build` that checks the values and returns the invocation. The walk over argv (command word,
 * `buckets` subcommand, help and version first) is shared.
 */
import { parseArgs } from "node:util";
import { ID_FORM, isCloudflareId, parseDestination, type CaptureRequest } from "../client";
import { captureRequestFrom, integerFlag } from "./capture-flags";
import { UsageError } from "./io";
import { DEFAULT_TOP_FLOWS, DEFAULT_WAIT_TIMEOUT_SECONDS, type HelpTopic } from "./usage";

/** What every command that prints a result has. */
interface Common {
  /** One JSON document on stdout instead of text. */
  json: boolean;
}

/** Commands that call the API. */
interface AccountCommon extends Common {
  account?: string;
}

export type ListInvocation = AccountCommon;

export interface DownloadInvocation extends AccountCommon {
  captureId: string;
  output?: string;
  wait: boolean;
  timeoutSeconds: number;
  /** Flows shown in the file's summary. */
  top: number;
}

export interface CaptureInvocation extends AccountCommon {
  request: CaptureRequest;
  /** Follow the capture until it is done (false: print its id and return). */
  follow: boolean;
  /** Download (simple) or fetch and merge (full) here when done. */
  output?: string;
  /** Ctrl-C stops a full capture without asking. */
  stopOnInterrupt: boolean;
  top: number;
}

/** `get` and `stop`. */
export interface CaptureIdInvocation extends AccountCommon {
  captureId: string;
}

export interface BucketInvocation extends AccountCommon {
  destinationConf: string;
}

export interface BucketValidateInvocation extends BucketInvocation {
  /** The token itself, or the file that holds it (`@file`; read by the command). */
  challenge: { token: string } | { file: string };
}

export interface BucketDeleteInvocation extends AccountCommon {
  /** An ownership id, or the bucket URI whose registration to delete. */
  target: { id: string } | { destinationConf: string };
}

export interface MergeInvocation extends Common {
  inputs: string[];
  output: string;
  top: number;
}

export interface SummaryInvocation extends Common {
  file: string;
  top: number;
}

export type Invocation =
  /** Which help to print; the caller renders it with its program name. */
  | { kind: "help"; topic: HelpTopic }
  | { kind: "version" }
  /** The emulator's flags are its own (it has an `--account` too), passed through untouched. */
  | { kind: "emulator"; argv: string[] }
  | ({ kind: "capture" } & CaptureInvocation)
  | ({ kind: "get" } & CaptureIdInvocation)
  | ({ kind: "stop" } & CaptureIdInvocation)
  | ({ kind: "download" } & DownloadInvocation)
  | ({ kind: "list" } & ListInvocation)
  | ({ kind: "buckets-list" } & ListInvocation)
  | ({ kind: "buckets-add" } & BucketInvocation)
  | ({ kind: "buckets-validate" } & BucketValidateInvocation)
  | ({ kind: "buckets-delete" } & BucketDeleteInvocation)
  | ({ kind: "merge" } & MergeInvocation)
  | ({ kind: "summary" } & SummaryInvocation);

/** Options as node:util's parseArgs takes them. */
type Options = Record<string, { type: "string" | "boolean"; short?: string }>;

/** What parseArgs returns for `O`: strings for string options, booleans for flags, absent when not given. */
export type Values<O extends Options> = {
  [K in keyof O]?: O[K] extends { type: "string" } ? string : boolean;
};

interface Spec<O extends Options> {
  topic: HelpTopic;
  /** Calls the API: takes `--account`. */
  api: boolean;
  options: O;
  /** Names for messages, in order; a last name with "…" (`<files…>`) takes one or more. */
  positionals: string[];
  build(values: Values<O>, positionals: string[], common: AccountCommon): Invocation;
}

/** Erases a spec's option type so specs of different commands share one table. */
function spec<O extends Options>(s: Spec<O>): Spec<Options> {
  return s as unknown as Spec<Options>;
}

const BASE_OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies Options;

const API_OPTIONS = { ...BASE_OPTIONS, account: { type: "string" } } as const satisfies Options;

const OUTPUT = { output: { type: "string", short: "o" } } as const satisfies Options;
const TOP = { top: { type: "string" } } as const satisfies Options;

const SPECS: Record<string, Spec<Options>> = {
  capture: spec({
    topic: "capture",
    api: true,
    options: {
      type: { type: "string" },
      "time-limit": { type: "string" },
      "packet-limit": { type: "string" },
      "byte-limit": { type: "string" },
      colo: { type: "string" },
      destination: { type: "string" },
      src: { type: "string" },
      dst: { type: "string" },
      "src-port": { type: "string" },
      "dst-port": { type: "string" },
      protocol: { type: "string" },
      "offset-time": { type: "string" },
      detach: { type: "boolean" },
      "no-follow": { type: "boolean" },
      "stop-on-interrupt": { type: "boolean" },
      ...OUTPUT,
      ...TOP,
    },
    positionals: [],
    build(values, _, common) {
      const request = captureRequestFrom(values, Date.now());
      const follow = !(values.detach || values["no-follow"]);
      const output = outputOf(values.output, "capture");
      if (!follow && output !== undefined) {
        throw new UsageError(
          "-o/--output needs the capture followed until it is done: drop --detach",
          "capture",
        );
      }
      if (!follow && values["stop-on-interrupt"]) {
        throw new UsageError("--stop-on-interrupt applies while following: drop --detach", "capture");
      }
      if (values["stop-on-interrupt"] && request.type !== "full") {
        throw new UsageError(
          "--stop-on-interrupt only applies to --type full (simple captures cannot be stopped)",
          "capture",
        );
      }
      return {
        kind: "capture",
        ...common,
        request,
        follow,
        ...(output !== undefined ? { output } : {}),
        stopOnInterrupt: values["stop-on-interrupt"] ?? false,
        top: topOf(values.top, "capture"),
      };
    },
  }),
  get: spec({
    topic: "get",
    api: true,
    options: {},
    positionals: ["<captureId>"],
    build: (_, [id], common) => ({ kind: "get", ...common, captureId: captureIdOf(id, "get") }),
  }),
  stop: spec({
    topic: "stop",
    api: true,
    options: {},
    positionals: ["<captureId>"],
    build: (_, [id], common) => ({ kind: "stop", ...common, captureId: captureIdOf(id, "stop") }),
  }),
  download: spec({
    topic: "download",
    api: true,
    options: { ...OUTPUT, wait: { type: "boolean" }, timeout: { type: "string" }, ...TOP },
    positionals: ["<captureId>"],
    build(values, [id], common) {
      const output = outputOf(values.output, "download");
      let timeoutSeconds = DEFAULT_WAIT_TIMEOUT_SECONDS;
      if (values.timeout !== undefined) {
        if (!values.wait) throw new UsageError("--timeout only applies with --wait", "download");
        timeoutSeconds = Number(values.timeout);
        if (values.timeout.trim() === "" || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
          throw new UsageError(
            `--timeout must be a number of seconds > 0 (got "${values.timeout}")`,
            "download",
          );
        }
      }
      return {
        kind: "download",
        ...common,
        captureId: captureIdOf(id, "download"),
        ...(output !== undefined ? { output } : {}),
        wait: values.wait ?? false,
        timeoutSeconds,
        top: topOf(values.top, "download"),
      };
    },
  }),
  list: spec({
    topic: "list",
    api: true,
    options: {},
    positionals: [],
    build: (_, __, common) => ({ kind: "list", ...common }),
  }),
  "buckets list": spec({
    topic: "buckets",
    api: true,
    options: {},
    positionals: [],
    build: (_, __, common) => ({ kind: "buckets-list", ...common }),
  }),
  "buckets add": spec({
    topic: "buckets",
    api: true,
    options: {},
    positionals: ["<destination>"],
    build: (_, [uri], common) => ({ kind: "buckets-add", ...common, destinationConf: destinationOf(uri) }),
  }),
  "buckets validate": spec({
    topic: "buckets",
    api: true,
    options: { challenge: { type: "string" } },
    positionals: ["<destination>"],
    build(values, [uri], common) {
      const challenge = values.challenge;
      if (challenge === undefined) {
        throw new UsageError(
          "missing --challenge: the token from the challenge file Cloudflare wrote into the bucket, or @<file> holding it",
          "buckets",
        );
      }
      if (challenge.trim() === "" || challenge === "@") {
        throw new UsageError("--challenge needs the token, or @<file> holding it", "buckets");
      }
      return {
        kind: "buckets-validate",
        ...common,
        destinationConf: destinationOf(uri),
        challenge: challenge.startsWith("@") ? { file: challenge.slice(1) } : { token: challenge.trim() },
      };
    },
  }),
  "buckets delete": spec({
    topic: "buckets",
    api: true,
    options: {},
    positionals: ["<ownershipId|destination>"],
    build(_, [given], common) {
      // Typed as a plain string: isCloudflareId's guard would narrow the other branch to never.
      const target: string = given;
      if (isCloudflareId(given)) return { kind: "buckets-delete", ...common, target: { id: target } };
      if (!target.includes("://")) {
        throw new UsageError(
          `"${target}" is neither an ownership id (${ID_FORM}) nor a bucket URI (s3://, gs:// or r2://)`,
          "buckets",
        );
      }
      return { kind: "buckets-delete", ...common, target: { destinationConf: destinationOf(target) } };
    },
  }),
  merge: spec({
    topic: "merge",
    api: false,
    options: { ...OUTPUT, ...TOP },
    positionals: ["<files…>"],
    build(values, inputs, { json }) {
      const output = outputOf(values.output, "merge");
      if (output === undefined)
        throw new UsageError("missing -o <file>: where to write the merged pcap", "merge");
      return { kind: "merge", json, inputs, output, top: topOf(values.top, "merge") };
    },
  }),
  summary: spec({
    topic: "summary",
    api: false,
    options: { ...TOP },
    positionals: ["<file>"],
    build: (values, [file], { json }) => ({ kind: "summary", json, file, top: topOf(values.top, "summary") }),
  }),
};

/** Every flag each help topic's commands take (`--name`, and `-x` for short forms): help must name them all. */
export function flagsByTopic(): Map<HelpTopic, Set<string>> {
  const byTopic = new Map<HelpTopic, Set<string>>();
  for (const found of Object.values(SPECS)) {
    const flags = byTopic.get(found.topic) ?? new Set<string>();
    const options: Options = { ...(found.api ? API_OPTIONS : BASE_OPTIONS), ...found.options };
    for (const [name, option] of Object.entries(options)) {
      if (name === "version") continue; // a global flag, in the main help
      flags.add(`--${name}`);
      if (option.short) flags.add(`-${option.short}`);
    }
    byTopic.set(found.topic, flags);
  }
  return byTopic;
}

/** The command words, for messages. */
export const COMMANDS = [
  "capture",
  "get",
  "stop",
  "download",
  "list",
  "buckets",
  "merge",
  "summary",
  "emulator",
];
const BUCKET_COMMANDS = ["list", "add", "validate", "delete"];

export function parseCommandLine(argv: string[]): Invocation {
  const at = commandIndex(argv);
  const before = at === -1 ? argv : argv.slice(0, at);
  const command = at === -1 ? undefined : argv[at];
  let rest = at === -1 ? [] : argv.slice(at + 1);

  if (command === undefined || command === "emulator" || command === "help") {
    // Only global options can come before these; a command's own options must follow it.
    const globals = parse(before, API_OPTIONS, undefined, false).values;
    if (globals.version) return { kind: "version" };
    if (command === "emulator") {
      if (globals.account !== undefined || globals.json) {
        throw new UsageError("put the emulator's flags after `emulator` (it takes its own --account)");
      }
      return { kind: "emulator", argv: globals.help ? ["--help", ...rest] : rest };
    }
    if (command === "help") return { kind: "help", topic: helpFor(rest) };
    if (globals.help) return { kind: "help", topic: "main" };
    throw new UsageError(`missing command (${COMMANDS.join(", ")})`);
  }

  let key = command;
  if (command === "buckets") {
    const sub = commandIndex(rest);
    if (sub === -1) {
      if (wantsHelp(rest)) return { kind: "help", topic: "buckets" };
      throw new UsageError(`missing buckets command (${BUCKET_COMMANDS.join(", ")})`, "buckets");
    }
    if (!BUCKET_COMMANDS.includes(rest[sub])) {
      if (wantsHelp(rest)) return { kind: "help", topic: "buckets" };
      throw new UsageError(
        `unknown buckets command "${rest[sub]}" (commands: ${BUCKET_COMMANDS.join(", ")})`,
        "buckets",
      );
    }
    key = `buckets ${rest[sub]}`;
    rest = [...rest.slice(0, sub), ...rest.slice(sub + 1)];
  }
  const found = SPECS[key];
  if (!found) throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(", ")})`);

  const args = [...before, ...rest];
  // Help wins over any other mistake on the line: whoever asks for it is finding out how to fix it.
  if (wantsHelp(args)) return { kind: "help", topic: found.topic };
  if (optionsOf(args).includes("--version")) return { kind: "version" };

  const options: Options = { ...(found.api ? API_OPTIONS : BASE_OPTIONS), ...found.options };
  const { values, positionals } = parse(args, options, found.topic, true);
  checkPositionals(found, positionals);
  const common: AccountCommon = {
    json: values.json === true,
    ...account(typeof values.account === "string" ? values.account : undefined, found.topic),
  };
  return found.build(values, positionals, common);
}

/** Index of the command word: the first argument that is neither an option nor `--account`'s value. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--account") i++;
    else if (!arg.startsWith("-")) return i;
  }
  return -1;
}

/** The arguments before `--` (after it everything is positional). */
function optionsOf(args: string[]): string[] {
  const end = args.indexOf("--");
  return end === -1 ? args : args.slice(0, end);
}

function wantsHelp(args: string[]): boolean {
  const options = optionsOf(args);
  return options.includes("--help") || options.includes("-h");
}

const TOPICS: Record<string, HelpTopic> = {
  capture: "capture",
  get: "get",
  stop: "stop",
  download: "download",
  list: "list",
  buckets: "buckets",
  merge: "merge",
  summary: "summary",
};

/** `help`, `help <command>`, `help buckets <subcommand>`. */
function helpFor(words: string[]): HelpTopic {
  const [command] = words;
  if (command === undefined) return "main";
  const topic = TOPICS[command];
  if (topic) return topic;
  if (command === "emulator") throw new UsageError("run `emulator --help` for the emulator's flags");
  throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(", ")})`);
}

function checkPositionals(found: Spec<Options>, positionals: string[]): void {
  const names = found.positionals;
  const variadic = names.at(-1)?.includes("…") === true;
  if (positionals.length < names.length) {
    throw new UsageError(`missing ${names[positionals.length]}`, found.topic);
  }
  if (!variadic && positionals.length > names.length) {
    throw new UsageError(`unexpected argument "${positionals[names.length]}"`, found.topic);
  }
}

function captureIdOf(id: string, topic: HelpTopic): string {
  if (!isCloudflareId(id)) {
    throw new UsageError(`capture id "${id}" is not valid: Cloudflare ids are ${ID_FORM}`, topic);
  }
  return id;
}

function destinationOf(uri: string): string {
  const parsed = parseDestination(uri);
  if ("error" in parsed) throw new UsageError(`<destination>: ${parsed.error}`, "buckets");
  return uri;
}

function outputOf(value: string | undefined, topic: HelpTopic): string | undefined {
  if (value !== undefined && value.trim() === "") throw new UsageError("--output needs a file name", topic);
  return value;
}

function topOf(value: string | undefined, topic: HelpTopic): number {
  if (value === undefined) return DEFAULT_TOP_FLOWS;
  return integerFlag("top", value, { min: 0, max: 1000 }, " flows", topic);
}

function account(value: string | undefined, topic: HelpTopic): { account?: string } {
  if (value === undefined) return {};
  if (!isCloudflareId(value)) {
    throw new UsageError(`--account "${value}" is not valid: Cloudflare account ids are ${ID_FORM}`, topic);
  }
  return { account: value };
}

function parse<O extends Options>(
  args: string[],
  options: O,
  topic: HelpTopic | undefined,
  positionals: boolean,
) {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals });
    return { values: parsed.values as Values<O>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(describeParseError(error as NodeJS.ErrnoException), topic);
  }
}

/** node:util's messages are long-winded about `--`; keep the part that names the problem. */
function describeParseError(error: NodeJS.ErrnoException): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option "${quoted}"`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${quoted}"`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = /--[\w-]+/.exec(error.message)?.[0] ?? quoted;
      return error.message.includes("ambiguous")
        ? `${flag} needs a value (write one that starts with "-" as ${flag}=<value>)`
        : `${flag} needs a value`;
    }
    default:
      return error.message;
  }
}
