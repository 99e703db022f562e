/**
 * `download <captureId>`: check the capture can be saved (or wait until it can), then save it as one
 * pcap file and print its summary. The capture is read first because the download endpoint's errors do
 * not tell "not ready" from "failed" apart by HTTP status, and each needs different advice; and because
 * a full capture is fetched from its bucket, not from the API.
 */
import { resolve } from "node:path";
import { failureReason, isCaptureDone } from "../../client";
import type { DownloadInvocation } from "../args";
import { followCapture } from "../follow";
import { formatDuration } from "../format";
import { CommandError, onInterrupt, type CliIo } from "../io";
import { printSaved, type SavedFile } from "../output";
import { createProgress } from "../progress";
import { checkSavable, saveCapture } from "../save";
import { withSession } from "../session";

export async function download(invocation: DownloadInvocation, io: CliIo): Promise<number> {
  const { captureId } = invocation;
  const shownPath = invocation.output ?? `pcap_${captureId}.pcap`;
  const path = resolve(io.cwd ?? process.cwd(), shownPath);
  const progress = createProgress(io.stderr, captureId, { isTTY: io.isTTY === true });
  // Ctrl-C stops waiting or saving; a file being written is removed: no partial file is left behind.
  const interrupted = new AbortController();
  const unsubscribe = onInterrupt(io, () =>
    interrupted.abort(
      new CommandError("download", `download of capture ${captureId} interrupted: no file written`),
    ),
  );
  let saved: SavedFile;
  try {
    saved = await withSession(
      io.env,
      invocation.account,
      (event) => progress.note(event.message),
      async (session) => {
        let capture = await session.client.getCapture(session.accountId, captureId);
        checkSavable(capture);
        if (!isCaptureDone(capture.status)) {
          if (!invocation.wait) {
            throw new CommandError(
              "download",
              `capture ${captureId} is not finished yet (status ${capture.status}): ` +
                "run again with --wait to wait for it and then download",
            );
          }
          capture = await followCapture(session.client, session.accountId, capture, {
            show: (c) => progress.waiting(c.status),
            signal: interrupted.signal,
            timeoutSeconds: invocation.timeoutSeconds,
            onTimeout: (c) => {
              throw new CommandError(
                "download",
                `capture ${c.id} is still ${c.status} after ${formatDuration(invocation.timeoutSeconds)}: ` +
                  "run again later, or with a longer --timeout",
              );
            },
          });
        }
        if (capture.status === "failed") {
          throw new CommandError("download", `capture ${captureId} failed: ${failureReason(capture)}`);
        }
        return saveCapture(session, capture, path, { progress, signal: interrupted.signal, env: io.env });
      },
    );
  } finally {
    unsubscribe();
    progress.done();
  }
  await printSaved(io, invocation, shownPath, saved);
  return 0;
}
