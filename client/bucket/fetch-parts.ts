/**
 * Fetches a full capture's parts into a directory, one after another (parts are small, and one at a
 * time keeps the progress line simple and memory at one stream), retrying what may be transient.
 */
import { rm, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { sleep } from "../backoff";
import { PcapStorageError } from "./errors";
import type { CaptureStorage, StoredObject } from "./storage";

/** Where a fetch is: part `part` of `parts` (1-based), and bytes of this part and of all parts. */
export interface FetchProgress {
  part: number;
  parts: number;
  /** The part's file name (the key's last segment). */
  name: string;
  partBytes: number;
  partTotalBytes: number;
  bytes: number;
  totalBytes: number;
}

export interface FetchOptions {
  onProgress?: (progress: FetchProgress) => void;
  signal?: AbortSignal;
  /** Tries per part for errors that may pass (resets, 5xx after the SDK's own retries, short bodies). */
  attempts?: number;
}

/** A fetched part: where it is on disk, and which object it came from. */
export interface FetchedPart {
  object: StoredObject;
  path: string;
}

const DEFAULT_ATTEMPTS = 3;
/** Progress is reported at most once per this many bytes (and at each part's start and end). */
const PROGRESS_STEP_BYTES = 64 * 1024;

/**
 * Streams each object to `<directory>/<n>/<name>` (a folder per part, so equal names under different
 * sub-folders cannot collide) and returns the files in the objects' order.
 */
export async function fetchParts(
  storage: CaptureStorage,
  objects: StoredObject[],
  directory: string,
  operation: string,
  bucket: string,
  options: FetchOptions = {},
): Promise<FetchedPart[]> {
  const totalBytes = objects.reduce((sum, o) => sum + o.bytes, 0);
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const fetched: FetchedPart[] = [];
  let done = 0;
  for (const [index, object] of objects.entries()) {
    const folder = join(directory, String(index + 1));
    await mkdir(folder);
    const path = join(folder, object.name);
    let partBytes = 0;
    let reported = 0;
    const report = () =>
      options.onProgress?.({
        part: index + 1,
        parts: objects.length,
        name: object.name,
        partBytes,
        partTotalBytes: object.bytes,
        bytes: done + partBytes,
        totalBytes,
      });
    for (let attempt = 1; ; attempt++) {
      partBytes = 0;
      reported = 0;
      report();
      try {
        await storage.download(
          object,
          path,
          (bytes) => {
            partBytes += bytes;
            if (partBytes - reported >= PROGRESS_STEP_BYTES) {
              reported = partBytes;
              report();
            }
          },
          options.signal,
        );
        break;
      } catch (err) {
        await rm(path, { force: true });
        if (options.signal?.aborted) throw options.signal.reason;
        if (err instanceof PcapStorageError) throw err;
        if (attempt >= attempts) {
          throw new PcapStorageError(
            operation,
            bucket,
            `fetching ${object.key} failed ${attempts} times, last: ${(err as Error).message}. Run again later`,
            { cause: err },
          );
        }
        await sleep(250 * attempt, options.signal);
      }
    }
    report();
    done += partBytes;
    fetched.push({ object, path });
  }
  return fetched;
}
