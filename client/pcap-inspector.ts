/**
 * Checks a libpcap stream as it passes through, without holding it: the magic number up front, then
 * every record header, counting packets. A body that is not a pcap file (an HTML error page, a JSON
 * envelope) or that ends mid-record fails the stream instead of leaving a broken file behind.
 */
import { Transform, type TransformCallback } from "node:stream";
import { PcapFormatError } from "./errors";
import {
  GLOBAL_HEADER_BYTES,
  MAGICS,
  MAX_RECORD_BYTES,
  PCAPNG_ADVICE,
  PCAPNG_MAGIC,
  RECORD_HEADER_BYTES,
} from "./pcap/format";

export { PcapFormatError };

export class PcapInspector extends Transform {
  bytes = 0;
  packets = 0;
  private endian: "LE" | "BE" | undefined;
  /** Bytes of the current header not yet complete (global or record header), kept across chunks. */
  private pending = Buffer.alloc(0);
  /** Bytes of packet data still to skip before the next record header. */
  private skip = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.inspect(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.endian === undefined) {
      callback(new PcapFormatError(`not a pcap file: it ended after ${this.bytes} bytes, before its header`));
    } else if (this.skip > 0 || this.pending.length > 0) {
      callback(new PcapFormatError(`truncated pcap file: it ends inside packet ${this.packets}`));
    } else {
      callback();
    }
  }

  private inspect(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
        continue;
      }
      const size = this.endian === undefined ? GLOBAL_HEADER_BYTES : RECORD_HEADER_BYTES;
      if (this.endian !== undefined && this.pending.length === 0 && chunk.length - offset >= size) {
        // The hot path (millions of records per GiB): read the length in place, no Buffer per record.
        this.readRecordHeader(chunk, offset);
        offset += size;
        continue;
      }
      // The global header, or a record header split across chunks: gather it first.
      const take = Math.min(size - this.pending.length, chunk.length - offset);
      this.pending = Buffer.concat([this.pending, chunk.subarray(offset, offset + take)]);
      offset += take;
      if (this.pending.length < size) return;
      const header = this.pending;
      this.pending = Buffer.alloc(0);
      if (this.endian === undefined) this.readGlobalHeader(header);
      else this.readRecordHeader(header, 0);
    }
  }

  private readGlobalHeader(header: Buffer): void {
    const magic = header.readUInt32BE(0);
    if (magic === PCAPNG_MAGIC) throw new PcapFormatError(`it is a pcapng file. ${PCAPNG_ADVICE}`);
    const order = MAGICS.get(magic);
    if (!order) {
      const preview = header
        .subarray(0, 16)
        .toString("latin1")
        .replace(/[^\x20-\x7e]/g, ".");
      throw new PcapFormatError(`not a pcap file: bad magic number (starts with "${preview}")`);
    }
    this.endian = order.littleEndian ? "LE" : "BE";
  }

  private readRecordHeader(buffer: Buffer, at: number): void {
    const included = this.endian === "LE" ? buffer.readUInt32LE(at + 8) : buffer.readUInt32BE(at + 8);
    if (included > MAX_RECORD_BYTES) {
      throw new PcapFormatError(`corrupt pcap file: packet ${this.packets + 1} claims ${included} bytes`);
    }
    this.packets++;
    this.skip = included;
  }
}
