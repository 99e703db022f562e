/** `merge <files…> -o <file>` and `summary <file>`: local pcap files, no API. */
import { resolve } from "node:path";
import { mergePcapFiles, summarizePcap } from "../../client/pcap";
import type { MergeInvocation, SummaryInvocation } from "../args";
import { CommandError, onInterrupt, type CliIo } from "../io";
import { printJson, printSaved } from "../output";
import { createProgress } from "../progress";
import { renderSummary } from "../summary-view";

export async function merge(invocation: MergeInvocation, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const output = resolve(cwd, invocation.output);
  const progress = createProgress(io.stderr, invocation.output, {
    isTTY: io.isTTY === true,
    activity: `merging ${invocation.inputs.length} files into ${invocation.output}`,
  });
  const interrupted = new AbortController();
  const unsubscribe = onInterrupt(io, () =>
    interrupted.abort(
      new CommandError("merge", `merge into ${invocation.output} interrupted: no file written`),
    ),
  );
  try {
    progress.downloading(0);
    const result = await mergePcapFiles(
      invocation.inputs.map((input) => resolve(cwd, input)),
      output,
      { onProgress: (p) => progress.downloading(p.bytes, p.totalBytes), signal: interrupted.signal },
    );
    progress.done();
    await printSaved(io, invocation, invocation.output, result);
  } finally {
    unsubscribe();
    progress.done();
  }
  return 0;
}

export async function summary(invocation: SummaryInvocation, io: CliIo): Promise<number> {
  const result = await summarizePcap(resolve(io.cwd ?? process.cwd(), invocation.file), {
    topFlows: invocation.top,
  });
  if (invocation.json) printJson(io, result);
  else io.stdout.write(`${invocation.file}\n${renderSummary(result, io.columns)}`);
  return 0;
}
