/**
 * Reads a classic libpcap file record by record, in chunks, never holding the file: memory is one chunk
 * (256 KiB by default, grown only for a record larger than that). Every record is checked as it is
 * reached, so a file read to its end has been validated whole: the global header, each record's lengths
 * and timestamp fraction, and that the file ends exactly at a record boundary.
 *
 * The hot loop of a caller uses {@link PcapRecordReader.advance} (synchronous while the chunk lasts) and
 * {@link PcapRecordReader.refill} (one read) so millions of records do not each cost a promise;
 * {@link PcapRecordReader.next} is the simple form.
 */
import { open, type FileHandle } from "node:fs/promises";
import { PcapError, PcapFormatError, PcapUsageError } from "../errors";
import {
  GLOBAL_HEADER_BYTES,
  MAGICS,
  MAX_RECORD_BYTES,
  PCAPNG_ADVICE,
  PCAPNG_MAGIC,
  RECORD_HEADER_BYTES,
} from "./format";

/** The default read size: large enough that a read costs little per byte, small enough per part. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/** What a file's global header says. */
export interface PcapFileHeader {
  littleEndian: boolean;
  /** Timestamp fractions are nanoseconds (else microseconds). */
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** The header's link-type field (1 = Ethernet, 101 = raw IP, 113 = Linux cooked, …). */
  linkType: number;
}

const CORRUPT = "The file is damaged or cut short: fetch or download it again";

/**
 * Reads a classic pcap file record by record, a chunk at a time, checking every record header; the
 * current record is exposed in fields (no object per record), as the merge and the summary need.
 */
export class PcapRecordReader {
  /** Seconds of the current record's timestamp. */
  seconds = 0;
  /** The current record's fraction of a second, in nanoseconds whatever the file's precision. */
  nanoseconds = 0;
  /** Bytes of the current packet in the file. */
  includedLength = 0;
  /** Bytes of the current packet on the wire. */
  originalLength = 0;
  /** 1-based number of the current record; after the end, the number of records read. */
  packetNumber = 0;
  /** Where the current record (its 16-byte header) starts in {@link buffer}. */
  recordStart = 0;
  /** The chunk holding the current record; its contents change on {@link refill}. */
  buffer: Buffer;

  private start = 0;
  private end = 0;
  /** Offset in the file of buffer[0], for error messages. */
  private base = 0;
  private eof = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly header: PcapFileHeader,
    readonly fileBytes: number,
    chunk: { buffer: Buffer; start: number; end: number; eof: boolean },
  ) {
    this.buffer = chunk.buffer;
    this.start = chunk.start;
    this.end = chunk.end;
    this.eof = chunk.eof;
  }

  /**
   * Opens `path` and reads its global header. Throws a {@link PcapFormatError} naming the file for a
   * file that is not classic pcap (pcapng included, with how to convert it), a {@link PcapUsageError}
   * if it cannot be opened.
   */
  static async open(path: string, options: { chunkBytes?: number } = {}): Promise<PcapRecordReader> {
    const chunkBytes = Math.max(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, GLOBAL_HEADER_BYTES);
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (err) {
      throw new PcapUsageError(
        readOperation(path),
        `${readOperation(path)}: cannot open it (${(err as Error).message}). Check the path.`,
        { cause: err },
      );
    }
    try {
      const fileBytes = (await handle.stat()).size;
      const buffer = Buffer.allocUnsafe(chunkBytes);
      let end = 0;
      let eof = false;
      while (end < GLOBAL_HEADER_BYTES && !eof) {
        const { bytesRead } = await handle.read(buffer, end, buffer.length - end, null);
        end += bytesRead;
        eof = bytesRead === 0;
      }
      const header = parseGlobalHeader(path, buffer.subarray(0, end));
      return new PcapRecordReader(path, handle, header, fileBytes, {
        buffer,
        start: GLOBAL_HEADER_BYTES,
        end,
        eof,
      });
    } catch (err) {
      await handle.close();
      throw readFailure(path, err);
    }
  }

  /**
   * Moves to the next record without waiting: `true` when one is current, `false` at the end of the
   * file, `undefined` when the chunk is used up and {@link refill} must be awaited first. Throws a
   * {@link PcapFormatError} naming the file and the packet for a malformed record.
   */
  advance(): boolean | undefined {
    const available = this.end - this.start;
    if (available < RECORD_HEADER_BYTES) {
      if (!this.eof) return undefined;
      if (available === 0) return false;
      throw this.recordError(`the file ends inside its header (${available} of 16 bytes)`);
    }
    const at = this.start;
    const b = this.buffer;
    const le = this.header.littleEndian;
    const included = le ? b.readUInt32LE(at + 8) : b.readUInt32BE(at + 8);
    const original = le ? b.readUInt32LE(at + 12) : b.readUInt32BE(at + 12);
    if (included > MAX_RECORD_BYTES) {
      throw this.recordError(
        `it claims ${included} captured bytes, more than any capture holds (${MAX_RECORD_BYTES})`,
      );
    }
    if (included > original) {
      throw this.recordError(`it claims ${included} captured bytes of a ${original}-byte packet`);
    }
    if (available < RECORD_HEADER_BYTES + included) {
      if (!this.eof) return undefined;
      throw this.recordError(
        `the file ends inside its data (${available - RECORD_HEADER_BYTES} of ${included} bytes)`,
      );
    }
    const fraction = le ? b.readUInt32LE(at + 4) : b.readUInt32BE(at + 4);
    if (this.header.nanosecond ? fraction >= 1e9 : fraction >= 1e6) {
      throw this.recordError(
        `its timestamp fraction ${fraction} is not below one second (${this.header.nanosecond ? "ns" : "µs"})`,
      );
    }
    this.seconds = le ? b.readUInt32LE(at) : b.readUInt32BE(at);
    this.nanoseconds = this.header.nanosecond ? fraction : fraction * 1000;
    this.includedLength = included;
    this.originalLength = original;
    this.recordStart = at;
    this.start = at + RECORD_HEADER_BYTES + included;
    this.packetNumber++;
    return true;
  }

  /**
   * Reads the next chunk after the unread rest of the current one (moved to the front), growing the
   * buffer only when a single record is larger than it.
   */
  async refill(): Promise<void> {
    const rest = this.end - this.start;
    this.base += this.start;
    let buffer = this.buffer;
    const needed = rest >= RECORD_HEADER_BYTES ? this.pendingRecordBytes() : RECORD_HEADER_BYTES;
    if (needed > buffer.length) buffer = Buffer.allocUnsafe(needed);
    this.buffer.copy(buffer, 0, this.start, this.end);
    this.buffer = buffer;
    this.start = 0;
    this.end = rest;
    try {
      const { bytesRead } = await this.handle.read(buffer, rest, buffer.length - rest, null);
      this.end += bytesRead;
      this.eof = bytesRead === 0;
    } catch (err) {
      throw readFailure(this.path, err);
    }
  }

  /** Moves to the next record: `true` when one is current, `false` at the end of the file. */
  async next(): Promise<boolean> {
    for (;;) {
      const more = this.advance();
      if (more !== undefined) return more;
      await this.refill();
    }
  }

  /** The current packet's captured bytes (valid until the next advance or refill). */
  data(): Buffer {
    const from = this.recordStart + RECORD_HEADER_BYTES;
    return this.buffer.subarray(from, from + this.includedLength);
  }

  /** Closes the file; call it whether or not the records were read to the end. */
  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Header plus data of the record whose header starts the unread rest. */
  private pendingRecordBytes(): number {
    const at = this.start + 8;
    const included = this.header.littleEndian ? this.buffer.readUInt32LE(at) : this.buffer.readUInt32BE(at);
    return RECORD_HEADER_BYTES + included;
  }

  private recordError(problem: string): PcapFormatError {
    const number = this.packetNumber + 1;
    const offset = this.base + this.start;
    return formatError(this.path, `packet ${number} (at byte ${offset}): ${problem}. ${CORRUPT}`);
  }
}

function readOperation(path: string): string {
  return `read pcap file ${path}`;
}

function formatError(path: string, message: string): PcapFormatError {
  return new PcapFormatError(`${readOperation(path)}: ${message}`, readOperation(path));
}

/** Errors of the file system as errors of this package, naming the file; ours pass through. */
function readFailure(path: string, err: unknown): PcapError {
  if (err instanceof PcapError) return err;
  const operation = readOperation(path);
  return new PcapError(operation, `${operation}: ${(err as Error).message}`, { cause: err });
}

function parseGlobalHeader(path: string, bytes: Buffer): PcapFileHeader {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === PCAPNG_MAGIC) {
    throw formatError(path, `it is a pcapng file. ${PCAPNG_ADVICE}`);
  }
  if (bytes.length < GLOBAL_HEADER_BYTES) {
    throw formatError(
      path,
      bytes.length === 0
        ? "not a pcap file: it is empty"
        : `not a pcap file: it ends after ${bytes.length} bytes, inside its 24-byte header`,
    );
  }
  const order = MAGICS.get(bytes.readUInt32BE(0));
  if (!order) {
    const preview = bytes
      .subarray(0, 16)
      .toString("latin1")
      .replace(/[^\x20-\x7e]/g, ".");
    throw formatError(path, `not a pcap file: bad magic number (it starts with "${preview}")`);
  }
  const le = order.littleEndian;
  const u16 = (at: number) => (le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const header: PcapFileHeader = {
    ...order,
    versionMajor: u16(4),
    versionMinor: u16(6),
    snaplen: u32(16),
    linkType: u32(20),
  };
  if (header.versionMajor !== 2) {
    throw formatError(
      path,
      `unsupported pcap version ${header.versionMajor}.${header.versionMinor} (2.x expected)`,
    );
  }
  return header;
}
