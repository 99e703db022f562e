/**
 * Streaming a capture's pcap body to a file or a writable stream. The body flows through a
 * {@link PcapInspector} (format check, packet count) and is never held whole in memory. A file is
 * written under a temporary name and renamed only when complete, so a failed download never leaves a
 * truncated `.pcap` at the target path.
 */
import { createWriteStream } from "node:fs";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { WRITE_BUFFER_BYTES, writeFileAtomically } from "./atomic-file";
import { headerValue, type HttpAnswer } from "./http";
import { PcapInspector } from "./pcap-inspector";

/** How far a download has come. */
export interface DownloadProgress {
  bytes: number;
  /** From `content-length`, when the API sent one. */
  totalBytes?: number;
}

/** Options of a download. */
export interface DownloadOptions {
  /** Called as bytes arrive (at most every 64 KiB of progress), and once at the end. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Aborts the download (e.g. on Ctrl-C); a file target's temporary file is removed. */
  signal?: AbortSignal;
}

/** What a finished download wrote: sizes checked while streaming. */
export interface DownloadResult {
  bytes: number;
  packets: number;
  /** The file written, when the destination was a path. */
  path?: string;
}

/** Pipes an answer's body into `destination`; a path is written atomically (temp file + rename). */
export async function streamDownload(
  answer: HttpAnswer,
  destination: Writable | string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const length = Number(headerValue(answer.headers, "content-length"));
  const totalBytes = Number.isFinite(length) && length > 0 ? length : undefined;
  const inspector = new PcapInspector();
  const progress = progressReporter(options.onProgress, totalBytes);

  if (typeof destination !== "string") {
    await pipeline(answer.body, inspector, progress, destination, { signal: options.signal });
    return { bytes: inspector.bytes, packets: inspector.packets };
  }

  await writeFileAtomically(destination, (temporary) =>
    pipeline(
      answer.body,
      inspector,
      progress,
      createWriteStream(temporary, { flags: "wx", highWaterMark: WRITE_BUFFER_BYTES }),
      { signal: options.signal },
    ),
  );
  return { bytes: inspector.bytes, packets: inspector.packets, path: destination };
}

function progressReporter(
  onProgress: DownloadOptions["onProgress"],
  totalBytes: number | undefined,
): Transform {
  const step = 64 * 1024;
  let bytes = 0;
  let reported = 0;
  const report = () => onProgress?.(totalBytes === undefined ? { bytes } : { bytes, totalBytes });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes - reported >= step) {
        reported = bytes;
        report();
      }
      callback(null, chunk);
    },
    flush(callback) {
      report();
      callback();
    },
  });
}
