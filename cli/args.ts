/**
 * The command line → what to do. Pure (no I/O) and throwing {@link UsageError} for every mistake, so the
 * caller turns all of them into one message + usage line + exit 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ID_FORM, isCloudflareId } from "../client";
import { UsageError } from "./io";
import { DEFAULT_WAIT_TIMEOUT_SECONDS, type HelpTopic } from "./usage";

export type Invocation =
  /** Which help to print; the caller renders it with its program name. */
  | { kind: "help"; topic: HelpTopic }
  | { kind: "version" }
  | {
      kind: "download";
      captureId: string;
      output?: string;
      wait: boolean;
      timeoutSeconds: number;
      account?: string;
    }
  | { kind: "list"; json: boolean; account?: string }
  /** The emulator's flags are its own (it has an `--account` too), passed through untouched. */
  | { kind: "emulator"; argv: string[] };

const GLOBAL_OPTIONS = {
  account: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

const DOWNLOAD_OPTIONS = {
  ...GLOBAL_OPTIONS,
  output: { type: "string", short: "o" },
  wait: { type: "boolean" },
  timeout: { type: "string" },
} as const satisfies ParseArgsConfig["options"];

const LIST_OPTIONS = {
  ...GLOBAL_OPTIONS,
  json: { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

const COMMANDS = ["download", "list", "emulator"];

export function parseCommandLine(argv: string[]): Invocation {
  const at = commandIndex(argv);
  const before = at === -1 ? argv : argv.slice(0, at);
  const command = at === -1 ? undefined : argv[at];
  const rest = at === -1 ? [] : argv.slice(at + 1);

  if (command === undefined || command === "emulator" || command === "help") {
    // Only global options can come before these; a command's own options must follow it.
    const globals = parse(before, GLOBAL_OPTIONS, undefined).values;
    if (globals.version) return { kind: "version" };
    if (command === "emulator") {
      if (globals.account !== undefined) {
        throw new UsageError("put the emulator's flags after `emulator` (it takes its own --account)");
      }
      return { kind: "emulator", argv: globals.help ? ["--help", ...rest] : rest };
    }
    if (command === "help") return { kind: "help", topic: helpFor(rest[0]) };
    if (globals.help) return { kind: "help", topic: "main" };
    throw new UsageError("missing command (download, list or emulator)");
  }
  if (!COMMANDS.includes(command)) {
    throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(", ")})`);
  }

  const args = [...before, ...rest];
  // Help wins over any other mistake on the line: whoever asks for it is finding out how to fix it.
  const end = args.indexOf("--");
  const options = end === -1 ? args : args.slice(0, end);
  // `emulator` was handled above, so the command here is download or list.
  if (options.includes("--help") || options.includes("-h")) {
    return { kind: "help", topic: command === "list" ? "list" : "download" };
  }
  if (options.includes("--version")) return { kind: "version" };

  if (command === "list") {
    const { values, positionals } = parse(args, LIST_OPTIONS, command);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, command);
    return { kind: "list", json: values.json ?? false, ...account(values.account, command) };
  }

  const { values, positionals } = parse(args, DOWNLOAD_OPTIONS, command);
  if (positionals.length === 0) throw new UsageError("missing <captureId>", command);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, command);
  const captureId = positionals[0];
  if (!isCloudflareId(captureId)) {
    throw new UsageError(`capture id "${captureId}" is not valid: Cloudflare ids are ${ID_FORM}`, command);
  }
  if (values.output !== undefined && values.output.trim() === "") {
    throw new UsageError("--output needs a file name", command);
  }
  let timeoutSeconds = DEFAULT_WAIT_TIMEOUT_SECONDS;
  if (values.timeout !== undefined) {
    if (!values.wait) throw new UsageError("--timeout only applies with --wait", command);
    timeoutSeconds = Number(values.timeout);
    if (values.timeout.trim() === "" || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      throw new UsageError(`--timeout must be a number of seconds > 0 (got "${values.timeout}")`, command);
    }
  }
  return {
    kind: "download",
    captureId,
    ...(values.output !== undefined ? { output: values.output } : {}),
    wait: values.wait ?? false,
    timeoutSeconds,
    ...account(values.account, command),
  };
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

function helpFor(command: string | undefined): HelpTopic {
  if (command === undefined) return "main";
  if (command === "download" || command === "list") return command;
  if (command === "emulator") throw new UsageError("run `emulator --help` for the emulator's flags");
  throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(", ")})`);
}

function account(value: string | undefined, command: string): { account?: string } {
  if (value === undefined) return {};
  if (!isCloudflareId(value)) {
    throw new UsageError(`--account "${value}" is not valid: Cloudflare account ids are ${ID_FORM}`, command);
  }
  return { account: value };
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  command: string | undefined,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: command !== undefined });
  } catch (error) {
    throw new UsageError(describeParseError(error as NodeJS.ErrnoException), command);
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
    default:
      return error.message;
  }
}
