/**
 * The CLI as a function: argv and streams in, exit code out (0 done, 1 API or capture error, 2 usage),
 * so tests run every command in-process. `main.ts` only wires it to `process`.
 */
import { PcapError } from "../client";
import { SettingsError } from "../provider/config";
import { parseCommandLine, type Invocation } from "./args";
import { bucketsAdd, bucketsDelete, bucketsList, bucketsValidate } from "./commands/buckets";
import { capture } from "./commands/capture";
import { download } from "./commands/download";
import { emulator } from "./commands/emulator";
import { merge, summary } from "./commands/files";
import { get, stop } from "./commands/get";
import { list } from "./commands/list";
import { EXIT, UsageError, type CliIo, type Writer } from "./io";
import { redact, secretsIn } from "./session";
import { helpTexts, PROGRAM, usageLine, type HelpTopic } from "./usage";

export type { CliIo } from "./io";

/**
 * @param program the name the command was installed under: every help text, usage line and the
 *   emulator's messages name it (`<program> emulator`).
 */
export async function run(argv: string[], io: CliIo, program: string = PROGRAM): Promise<number> {
  const help = helpTexts(program);
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const topic =
      error.command !== undefined && error.command in help ? (error.command as HelpTopic) : "main";
    const more = error.command ? `${program} ${error.command} --help` : `${program} --help`;
    io.stderr.write(`error: ${error.message}\n${usageLine(help[topic])}\nRun \`${more}\` for details.\n`);
    return EXIT.usage;
  }

  switch (invocation.kind) {
    case "help":
      io.stdout.write(help[invocation.topic]);
      return EXIT.ok;
    case "version":
      io.stdout.write(`${version()}\n`);
      return EXIT.ok;
    case "emulator":
      // Not redacted: printing its token is the emulator's job.
      return emulator(invocation.argv, io, `${program} emulator`);
  }

  // Belt and braces: the client already redacts its messages, but nothing this command prints, from
  // whatever source, may carry a credential from the environment.
  const secrets = secretsIn(io.env);
  const safe: CliIo = { ...io, stdout: redacting(io.stdout, secrets), stderr: redacting(io.stderr, secrets) };
  try {
    return await dispatch(invocation, safe, program);
  } catch (error) {
    safe.stderr.write(`error: ${describe(error)}\n`);
    return EXIT.failed;
  }
}

/** The commands that run with credentials in reach (their output is redacted). */
type Command = Exclude<Invocation, { kind: "help" | "version" | "emulator" }>;

function dispatch(invocation: Command, io: CliIo, program: string): Promise<number> {
  switch (invocation.kind) {
    case "capture":
      return capture(invocation, io, program);
    case "get":
      return get(invocation, io);
    case "stop":
      return stop(invocation, io);
    case "download":
      return download(invocation, io);
    case "list":
      return list(invocation, io);
    case "buckets-list":
      return bucketsList(invocation, io);
    case "buckets-add":
      return bucketsAdd(invocation, io, program);
    case "buckets-validate":
      return bucketsValidate(invocation, io);
    case "buckets-delete":
      return bucketsDelete(invocation, io);
    case "merge":
      return merge(invocation, io);
    case "summary":
      return summary(invocation, io);
  }
}

function describe(error: unknown): string {
  // Every error this package means to throw is a PcapError; SettingsError joins it when
  // provider/config.ts makes it one (it extends Error today).
  if (error instanceof PcapError || error instanceof SettingsError) return error.message;
  // Anything else is unexpected (a file system error, a bug): its own words, with its kind.
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function redacting(out: Writer, secrets: string[]): Writer {
  return { write: (text) => out.write(redact(text, secrets)) };
}

/** By package name, as client/http.ts does: resolves from source and from dist/ alike. */
function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("pulumi-cloudflare-pcap/package.json") as { version: string }).version;
}
