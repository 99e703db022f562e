/**
 * `download <captureId>`: check the capture can be downloaded (or wait until it can), then stream its
 * pcap file to disk. The capture is read first because the download endpoint's errors do not tell
 * "not ready" from "failed" or "full" apart by HTTP status, and each needs different advice.
 */
import { resolve } from "node:path";
import {
  failureReason,
  isCaptureDone,
  type Capture,
  type DownloadResult,
  type PcapClient,
} from "../../client";
import { CommandError, type CliIo } from "../io";
import { createProgress, type Progress } from "../progress";
import { withSession } from "../session";
import { formatDuration } from "../format";

export interface DownloadInvocation {
  captureId: string;
  output?: string;
  wait: boolean;
  timeoutSeconds: number;
  account?: string;
}

/** Polls start quick (a simple capture takes seconds) and slow down for long waits. */
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 10_000;
/** How often the progress line is refreshed between polls. */
const TICK_MS = 250;

export async function download(invocation: DownloadInvocation, io: CliIo): Promise<number> {
  const { captureId } = invocation;
  const shownPath = invocation.output ?? `pcap_${captureId}.pcap`;
  const path = resolve(io.cwd ?? process.cwd(), shownPath);
  const progress = createProgress(io.stderr, captureId, { isTTY: io.isTTY === true });
  let result: DownloadResult;
  try {
    result = await withSession(
      io.env,
      invocation.account,
      (event) => progress.note(event.message),
      async ({ client, accountId }) => {
        let capture = await client.getCapture(accountId, captureId);
        refuseFull(capture);
        if (!isCaptureDone(capture.status)) {
          if (!invocation.wait) {
            throw new CommandError(
              "download",
              `capture ${captureId} is not finished yet (status ${capture.status}): ` +
                "run again with --wait to wait for it and then download",
            );
          }
          capture = await untilDone(client, accountId, capture, invocation.timeoutSeconds, progress);
        }
        if (capture.status === "failed") {
          throw new CommandError("download", `capture ${captureId} failed: ${failureReason(capture)}`);
        }
        progress.downloading(0);
        // Ctrl-C stops the download and removes its temporary file: no partial file is left behind.
        const interrupted = new AbortController();
        const abort = () => interrupted.abort(new CommandError("download", "download interrupted"));
        process.once("SIGINT", abort);
        try {
          return await client.downloadCapture(accountId, captureId, path, {
            onProgress: (p) => progress.downloading(p.bytes, p.totalBytes),
            signal: interrupted.signal,
          });
        } finally {
          process.removeListener("SIGINT", abort);
        }
      },
    );
  } finally {
    progress.done();
  }
  io.stdout.write(`${shownPath}: ${result.bytes} bytes, ${result.packets} packets\n`);
  return 0;
}

/** Full captures never reach the API's download endpoint: say where their files are instead. */
function refuseFull(capture: Capture): void {
  if (capture.type !== "full") return;
  const bucket = capture.destinationConf ?? "its destination_conf";
  const state = capture.status === "failed" ? ` It failed: ${failureReason(capture)}.` : "";
  throw new CommandError(
    "download",
    `capture ${capture.id} is a full capture, which cannot be downloaded through the API: Cloudflare ` +
      `writes its packets as pcap_${capture.id}.pcap files to the bucket ${bucket}; fetch them from there ` +
      `(status ${capture.status}).${state}`,
  );
}

/** Polls with growing intervals until the capture is done; the progress line ticks in between. */
async function untilDone(
  client: PcapClient,
  accountId: string,
  initial: Capture,
  timeoutSeconds: number,
  progress: Progress,
): Promise<Capture> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let capture = initial;
  let interval = FIRST_POLL_MS;
  let nextPoll = Math.min(Date.now() + interval, deadline);
  for (;;) {
    if (isCaptureDone(capture.status)) return capture;
    progress.waiting(capture.status);
    const now = Date.now();
    if (now >= deadline) {
      throw new CommandError(
        "download",
        `capture ${capture.id} is still ${capture.status} after ${formatDuration(timeoutSeconds)}: ` +
          "run again later, or with a longer --timeout",
      );
    }
    if (now < nextPoll) {
      await new Promise((done) => setTimeout(done, Math.min(TICK_MS, nextPoll - now)));
      continue;
    }
    capture = await client.getCapture(accountId, capture.id);
    interval = Math.min(MAX_POLL_MS, interval * 1.5);
    // The last poll happens at the deadline, not before it, so a capture finishing just then counts.
    nextPoll = Math.min(Date.now() + interval, deadline);
  }
}
