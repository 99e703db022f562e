/**
 * A finished capture → one pcap file at `path`, through the client's saveCapture: a simple capture is
 * downloaded from the API; a full capture's files are fetched from its bucket and merged. Either way the
 * file appears only when complete, so Ctrl-C (the signal) or an error never leaves half of one. Here:
 * the progress line for each step, and refusing early what cannot be saved.
 */
import {
  fetchableBucket,
  saveCapture as saveToFile,
  type Capture,
  type SaveProgress,
  type SaveResult,
} from "../client";
import type { Progress } from "./progress";
import type { Session } from "./session";

export interface SaveOptions {
  progress: Progress;
  signal: AbortSignal;
  /** Where bucket credentials and endpoints come from (full captures). */
  env: NodeJS.ProcessEnv;
}

export function saveCapture(
  { client, accountId }: Session,
  capture: Capture,
  path: string,
  { progress, signal, env }: SaveOptions,
): Promise<SaveResult> {
  if (capture.type !== "full") progress.downloading(0);
  return saveToFile(client, accountId, capture.id, path, {
    capture,
    env,
    signal,
    onProgress: (step) => show(progress, step),
  });
}

function show(progress: Progress, step: SaveProgress): void {
  switch (step.stage) {
    case "downloading":
      return progress.downloading(step.bytes, step.totalBytes);
    case "listing":
      return progress.note(`listing ${step.prefix}*`);
    case "fetching":
      return progress.downloading(step.bytes, step.totalBytes, `fetching part ${step.part} of ${step.parts}`);
    case "merging":
      return progress.downloading(step.bytes, step.totalBytes, `merging ${step.parts} parts`);
  }
}

/**
 * Refuses, before any waiting, a capture that could not be saved once done (a full capture into a
 * gs:// bucket, or into none), so nobody waits an hour to learn it.
 */
export function checkSavable(capture: Capture): void {
  if (capture.type === "full") fetchableBucket(capture, `save packet capture ${capture.id}`);
}
