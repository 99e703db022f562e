/**
 * Merging pcap files into one in timestamp order, as Cloudflare's full captures need: one small file per
 * edge server, each in time order, interleaved in time. A k-way merge over a binary heap of the parts'
 * current records, reading every part in chunks, so memory is about parts × chunk whatever the total
 * size. Every part is read to its end, so every part is checked whole; the output is written atomically,
 * so any error (or an abort) leaves no output file.
 *
 * Like `mergecap`, it assumes each part is in time order itself (capture files are); a part that is not
 * is still merged, its records kept in their order.
 */
import { open, type FileHandle } from "node:fs/promises";
import { WRITE_BUFFER_BYTES, writeFileAtomically } from "../atomic-file";
import { PcapError, PcapFormatError, PcapUsageError } from "../errors";
import {
  GLOBAL_HEADER_BYTES,
  MAGIC_MICROSECOND,
  MAGIC_NANOSECOND,
  RECORD_HEADER_BYTES,
  formatPacketTime,
  linkTypeName,
} from "./format";
import { DEFAULT_CHUNK_BYTES, PcapRecordReader } from "./reader";

/** How far a merge has come: `bytes` of the output written, of `totalBytes` it will have. */
export interface MergeProgress {
  packets: number;
  bytes: number;
  totalBytes: number;
}

export interface MergeOptions {
  /** Called after every write of the output (about every MiB) and once at the end. */
  onProgress?(progress: MergeProgress): void;
  /** Aborts the merge (e.g. on Ctrl-C): no output file is left, and the abort's reason is thrown. */
  signal?: AbortSignal;
}

/** One input of a merge. */
export interface MergedPart {
  path: string;
  packets: number;
  /** The part's file size. */
  bytes: number;
}

/** What a merge wrote. */
export interface MergeResult {
  path: string;
  packets: number;
  /** Size of the file written. */
  bytes: number;
  parts: MergedPart[];
  /** The first packet's time, RFC 3339 with 6 or 9 fraction digits (the output's precision). */
  firstPacketTime?: string;
  lastPacketTime?: string;
}

/** Chunks of all parts together stay below this, down to {@link MIN_CHUNK_BYTES} each. */
const READ_BUDGET_BYTES = 32 * 1024 * 1024;
const MIN_CHUNK_BYTES = 64 * 1024;

/**
 * Merges `parts` (classic pcap files, any byte order and precision, one link type) into `output`, a
 * little-endian pcap file: nanosecond timestamps if any part has them, else microsecond; the largest
 * snaplen of the parts. Records with equal timestamps keep part order, then file order, so the output
 * is the same for the same inputs. Throws a {@link PcapUsageError} for no parts, a
 * {@link PcapFormatError} naming the part and packet for a malformed part or parts of different link
 * types; nothing is written at `output` then.
 */
export async function mergePcapFiles(
  parts: string[],
  output: string,
  options: MergeOptions = {},
): Promise<MergeResult> {
  const operation = `merge pcap files into ${output}`;
  if (parts.length === 0) {
    throw new PcapUsageError(
      operation,
      `${operation}: no input files. Name at least one pcap file to merge.`,
    );
  }
  options.signal?.throwIfAborted();
  const chunkBytes = Math.max(
    MIN_CHUNK_BYTES,
    Math.min(DEFAULT_CHUNK_BYTES, READ_BUDGET_BYTES / parts.length),
  );
  const readers: PcapRecordReader[] = [];
  try {
    for (const part of parts) readers.push(await PcapRecordReader.open(part, { chunkBytes }));
    checkLinkTypes(operation, readers);
    return await writeFileAtomically(
      output,
      (temporary) => new Merge(output, readers, options).run(temporary),
      options,
    );
  } catch (err) {
    throw mergeFailure(operation, err, options.signal);
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

function checkLinkTypes(operation: string, readers: PcapRecordReader[]): void {
  const first = readers[0];
  const other = readers.find((r) => r.header.linkType !== first.header.linkType);
  if (!other) return;
  const describe = (r: PcapRecordReader) =>
    `${r.path} has link type ${r.header.linkType} (${linkTypeName(r.header.linkType)})`;
  throw new PcapFormatError(
    `${operation}: the parts have different link types: ${describe(first)}, ${describe(other)}. A classic ` +
      "pcap file holds one link type; `mergecap -w out.pcapng <files…>` can merge them into a pcapng file.",
    operation,
  );
}

/** Our errors get the merge's operation in front; an abort passes through as it is. */
function mergeFailure(operation: string, err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted && err === signal.reason) return err;
  if (err instanceof PcapError && err.operation === operation) return err;
  const message = `${operation}: ${(err as Error).message}`;
  if (err instanceof PcapFormatError) return new PcapFormatError(message, operation, { cause: err });
  if (err instanceof PcapUsageError) return new PcapUsageError(operation, message, { cause: err });
  return new PcapError(operation, message, { cause: err });
}

/** One merge's state: the heap of parts, the output buffers, the counts. */
class Merge {
  private readonly nanosecond: boolean;
  /** Indexes of the parts that have a current record, the earliest at the top. */
  private readonly heap: number[] = [];
  private readonly packetsOf: number[];
  private packets = 0;
  private written = 0;
  private readonly totalBytes: number;
  private first: [number, number] | undefined;
  private last: [number, number] | undefined;

  /** Two output buffers: one is filled while the other is being written. */
  private out = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  private spare = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  private used = 0;
  private writing: Promise<void> = Promise.resolve();
  private writeError: unknown;

  constructor(
    private readonly output: string,
    private readonly readers: PcapRecordReader[],
    private readonly options: MergeOptions,
  ) {
    this.nanosecond = readers.some((r) => r.header.nanosecond);
    this.packetsOf = readers.map(() => 0);
    this.totalBytes =
      GLOBAL_HEADER_BYTES +
      readers.reduce((sum, r) => sum + Math.max(0, r.fileBytes - GLOBAL_HEADER_BYTES), 0);
  }

  async run(temporary: string): Promise<MergeResult> {
    const handle = await open(temporary, "wx");
    try {
      this.writeGlobalHeader();
      for (let i = 0; i < this.readers.length; i++) {
        if (await this.readers[i].next()) this.push(i);
      }
      await this.mergeAll(handle);
      await this.flush(handle);
      await this.writing;
      if (this.writeError) throw this.writeError;
    } finally {
      await this.writing;
      await handle.close();
    }
    this.options.onProgress?.({ packets: this.packets, bytes: this.written, totalBytes: this.totalBytes });
    return this.result();
  }

  private async mergeAll(handle: FileHandle): Promise<void> {
    const heap = this.heap;
    const readers = this.readers;
    while (heap.length > 0) {
      const index = heap[0];
      const reader = readers[index];
      if (this.used + RECORD_HEADER_BYTES + reader.includedLength > this.out.length) await this.flush(handle);
      this.copyRecord(reader);
      this.packetsOf[index]++;
      let more = reader.advance();
      while (more === undefined) {
        await reader.refill();
        more = reader.advance();
      }
      if (more) this.siftDown(0);
      else {
        const lastIndex = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = lastIndex;
          this.siftDown(0);
        }
      }
    }
  }

  private writeGlobalHeader(): void {
    const out = this.out;
    out.writeUInt32LE(this.nanosecond ? MAGIC_NANOSECOND : MAGIC_MICROSECOND, 0);
    out.writeUInt16LE(2, 4);
    out.writeUInt16LE(4, 6);
    out.writeInt32LE(0, 8); // thiszone: timestamps are UTC
    out.writeUInt32LE(0, 12); // sigfigs
    out.writeUInt32LE(Math.max(...this.readers.map((r) => r.header.snaplen)), 16);
    out.writeUInt32LE(this.readers[0].header.linkType, 20);
    this.used = GLOBAL_HEADER_BYTES;
  }

  /** Appends the reader's current record to the output, rewriting its header when its format differs. */
  private copyRecord(reader: PcapRecordReader): void {
    const start = reader.recordStart;
    const end = start + RECORD_HEADER_BYTES + reader.includedLength;
    const { littleEndian, nanosecond } = reader.header;
    if (littleEndian && nanosecond === this.nanosecond) {
      reader.buffer.copy(this.out, this.used, start, end);
    } else {
      const out = this.out;
      const at = this.used;
      out.writeUInt32LE(reader.seconds, at);
      out.writeUInt32LE(this.nanosecond ? reader.nanoseconds : reader.nanoseconds / 1000, at + 4);
      out.writeUInt32LE(reader.includedLength, at + 8);
      out.writeUInt32LE(reader.originalLength, at + 12);
      reader.buffer.copy(out, at + RECORD_HEADER_BYTES, start + RECORD_HEADER_BYTES, end);
    }
    this.used += end - start;
    this.packets++;
    if (this.first === undefined) this.first = [reader.seconds, reader.nanoseconds];
    this.last ??= [0, 0];
    this.last[0] = reader.seconds;
    this.last[1] = reader.nanoseconds;
  }

  /**
   * Hands the filled buffer to the file and goes on filling the other one: the previous write must have
   * finished first, so at most one write is in flight and the two buffers are all the output holds.
   */
  private async flush(handle: FileHandle): Promise<void> {
    await this.writing;
    if (this.writeError) throw this.writeError;
    this.options.signal?.throwIfAborted();
    if (this.used === 0) return;
    const filled = this.out.subarray(0, this.used);
    [this.out, this.spare] = [this.spare, this.out];
    this.used = 0;
    this.writing = writeAll(handle, filled).then(
      () => {
        this.written += filled.length;
        this.options.onProgress?.({
          packets: this.packets,
          bytes: this.written,
          totalBytes: this.totalBytes,
        });
      },
      (err: unknown) => {
        this.writeError = err;
      },
    );
  }

  /** Whether part a's current record goes before part b's: time, then part order. */
  private before(a: number, b: number): boolean {
    const ra = this.readers[a];
    const rb = this.readers[b];
    if (ra.seconds !== rb.seconds) return ra.seconds < rb.seconds;
    if (ra.nanoseconds !== rb.nanoseconds) return ra.nanoseconds < rb.nanoseconds;
    return a < b;
  }

  private push(index: number): void {
    const heap = this.heap;
    let at = heap.push(index) - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(heap[at], heap[parent])) break;
      [heap[at], heap[parent]] = [heap[parent], heap[at]];
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.before(heap[right], heap[left]) ? right : left;
      if (!this.before(heap[child], heap[at])) return;
      [heap[at], heap[child]] = [heap[child], heap[at]];
      at = child;
    }
  }

  private result(): MergeResult {
    const digits = this.nanosecond ? 9 : 6;
    const result: MergeResult = {
      path: this.output,
      packets: this.packets,
      bytes: this.written,
      parts: this.readers.map((r, i) => ({ path: r.path, packets: this.packetsOf[i], bytes: r.fileBytes })),
    };
    if (this.first && this.last) {
      result.firstPacketTime = formatPacketTime(this.first[0], this.first[1], digits);
      result.lastPacketTime = formatPacketTime(this.last[0], this.last[1], digits);
    }
    return result;
  }
}

/** Writes all of `bytes` at the file's position (a write may be partial in principle). */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
  }
}
