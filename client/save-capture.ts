/**
 * Every finished capture to one pcap file, whatever its type: a simple capture is downloaded from the
 * API as before; a full capture's files (`pcap_<id>…pcap`, one per edge server) are listed in the bucket
 * of its `destination_conf`, fetched into a folder beside the target and merged in timestamp order into
 * the target. The target is written atomically, the folder is removed in every case, so an error or an
 * abort leaves neither output nor leftovers. Used by `downloadPacketCapture` and the command.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { PcapStorageError } from "./bucket/errors";
import { fetchParts, type FetchProgress, type FetchedPart } from "./bucket/fetch-parts";
import { bucketLocation, capturePrefix, type BucketLocation } from "./bucket/location";
import { gcsRefusal, openStorage, type StorageFactory } from "./bucket/storage";
import type { PcapClient } from "./client";
import { PcapError } from "./errors";
import { mergePcapFiles, type MergeResult } from "./pcap/merge";
import { failureReason, isCaptureDone, type Capture } from "./types";

/**
 * One step of saving, rich enough for a progress line. Every step has `bytes` (and `totalBytes` where
 * known), so a callback written for a simple download's `{bytes, totalBytes}` still fits.
 */
export type SaveProgress =
  /** A simple capture's body arriving from the API (`totalBytes` when it sent a length). */
  | { stage: "downloading"; bytes: number; totalBytes?: number }
  /** A full capture: listing the bucket under `prefix` (e.g. `s3://pcaps/edge/pcap_<id>`). */
  | { stage: "listing"; prefix: string; bytes: 0 }
  /** A full capture: part `part` of `parts`, with this part's bytes and all parts' bytes. */
  | ({ stage: "fetching" } & FetchProgress)
  /** A full capture: the parts merged into the target so far (`totalBytes` is the output's size). */
  | { stage: "merging"; parts: number; packets: number; bytes: number; totalBytes: number };

/** Options of {@link saveCapture}. */
export interface SaveCaptureOptions {
  /** Called at each step (see {@link SaveProgress}): often enough for a redrawn progress line. */
  onProgress?: (progress: SaveProgress) => void;
  /** Aborts (e.g. on Ctrl-C): no output file and no fetched parts are left. */
  signal?: AbortSignal;
  /** The capture as just read (e.g. after waiting for it), to save one request. */
  capture?: Capture;
  /**
   * Where the bucket settings are read from (R2 keys, `AWS_ENDPOINT_URL_S3`, region); default
   * `process.env`. The AWS default credential chain always reads `process.env` itself.
   */
  env?: NodeJS.ProcessEnv;
  /** Opens a bucket; default: the S3 API for s3:// and r2://. Tests inject their own. */
  storage?: StorageFactory;
}

/** One file of a full capture, as merged. */
export interface SavedPart {
  /** The file name in the bucket, e.g. `pcap_<id>_ord02-1.pcap`. */
  name: string;
  /** Its object URI, e.g. `s3://pcaps/edge/pcap_<id>_ord02-1.pcap`. */
  source: string;
  packets: number;
  bytes: number;
}

/** What was written. A {@link DownloadResult} with more, so callers of the old download still fit. */
export interface SaveResult {
  path: string;
  type: "simple" | "full";
  bytes: number;
  packets: number;
  /** Full captures: the files merged, in merge order; simple captures: empty. */
  parts: SavedPart[];
  /** Full captures: the bucket folder the parts came from, e.g. `s3://pcaps/edge`. */
  bucket?: string;
}

/** The capture is still collecting or converting; `status` is what the API said. */
export class PcapCaptureNotReadyError extends PcapError {
  constructor(
    operation: string,
    readonly captureId: string,
    readonly status: string,
  ) {
    super(
      operation,
      `${operation}: capture ${captureId} is not finished yet (status ${status}): wait until it is success, ` +
        "then save it again",
    );
  }
}

/** The capture ended `failed`; `reason` is the API's `error_message` or the usual cause. */
export class PcapCaptureFailedError extends PcapError {
  constructor(
    operation: string,
    readonly captureId: string,
    readonly reason: string,
  ) {
    super(operation, `${operation}: capture ${captureId} failed: ${reason}`);
  }
}

/**
 * Writes capture `captureId` of `accountId` to `path` as one pcap file. Throws
 * {@link PcapCaptureNotReadyError} or {@link PcapCaptureFailedError} for a capture that cannot be saved,
 * a {@link PcapStorageError} when its bucket cannot be read (or is gs://), a `PcapFormatError` naming
 * the part for a corrupt part, and the client's errors for the API.
 */
export async function saveCapture(
  client: PcapClient,
  accountId: string,
  captureId: string,
  path: string,
  options: SaveCaptureOptions = {},
): Promise<SaveResult> {
  const target = resolve(path);
  const operation = `save packet capture ${captureId} to ${target}`;
  const capture = options.capture ?? (await client.getCapture(accountId, captureId));
  if (!isCaptureDone(capture.status))
    throw new PcapCaptureNotReadyError(operation, captureId, capture.status);
  if (capture.status === "failed")
    throw new PcapCaptureFailedError(operation, captureId, failureReason(capture));
  if (capture.type !== "full") {
    const downloaded = await client.downloadCapture(accountId, captureId, target, {
      onProgress: (p) => options.onProgress?.({ stage: "downloading", ...p }),
      signal: options.signal,
    });
    return { path: target, type: "simple", bytes: downloaded.bytes, packets: downloaded.packets, parts: [] };
  }
  return saveFullCapture(capture, target, operation, options);
}

/**
 * The bucket a full capture's files are fetched from, or a {@link PcapStorageError} when they cannot be
 * (no `destination_conf`, or gs://). The command calls it before waiting for a capture, so nobody waits
 * an hour to learn it; {@link saveCapture} calls it again, for callers that did not.
 */
export function fetchableBucket(capture: Capture, operation: string): BucketLocation {
  if (capture.destinationConf === undefined) {
    throw new PcapStorageError(
      operation,
      "(none)",
      `full capture ${capture.id} carries no destination_conf, so its bucket is unknown`,
    );
  }
  const location = bucketLocation(capture.destinationConf, operation);
  if (location.scheme === "gs") throw gcsRefusal(location, operation, capture.id);
  return location;
}

async function saveFullCapture(
  capture: Capture,
  target: string,
  operation: string,
  options: SaveCaptureOptions,
): Promise<SaveResult> {
  const location = fetchableBucket(capture, operation);
  const open =
    options.storage ?? ((l: BucketLocation, op: string) => openStorage(l, op, { env: options.env }));
  const storage = open(location, operation);
  const prefix = capturePrefix(location, capture.id);
  const objectUri = (key: string) => `${location.scheme}://${location.bucket}/${key}`;
  await mkdir(dirname(target), { recursive: true });
  // Beside the target, not in the system's temp dir: same disk as the output (which may be tmpfs-small
  // elsewhere), and the rename of the merged file never crosses file systems.
  const folder = await mkdtemp(join(dirname(target), `.${basename(target)}.parts-`));
  let fetched: FetchedPart[] = [];
  try {
    options.onProgress?.({ stage: "listing", prefix: objectUri(prefix), bytes: 0 });
    const objects = await storage.list(prefix, options.signal);
    if (objects.length === 0) {
      throw new PcapStorageError(
        operation,
        location.display,
        `no files of capture ${capture.id} in the bucket: nothing under ${objectUri(prefix)}. The capture may ` +
          "not have finished converting yet, or its files were moved or deleted",
      );
    }
    fetched = await fetchParts(storage, objects, folder, operation, location.display, {
      onProgress: (p) => options.onProgress?.({ stage: "fetching", ...p }),
      signal: options.signal,
    });
    const merged: MergeResult = await mergePcapFiles(
      fetched.map((f) => f.path),
      target,
      {
        onProgress: (p) => options.onProgress?.({ stage: "merging", parts: fetched.length, ...p }),
        signal: options.signal,
      },
    );
    return {
      path: target,
      type: "full",
      bytes: merged.bytes,
      packets: merged.packets,
      bucket: location.display,
      parts: fetched.map((f, i) => ({
        name: f.object.name,
        source: objectUri(f.object.key),
        packets: merged.parts[i].packets,
        bytes: merged.parts[i].bytes,
      })),
    };
  } catch (err) {
    throw namingObjects(err, fetched, objectUri);
  } finally {
    storage.close();
    await rm(folder, { recursive: true, force: true });
  }
}

/** A merge error names the fetched file; the user knows the part by its object URI. */
function namingObjects(err: unknown, fetched: FetchedPart[], objectUri: (key: string) => string): unknown {
  if (!(err instanceof Error)) return err;
  for (const part of fetched) err.message = err.message.split(part.path).join(objectUri(part.object.key));
  return err;
}
