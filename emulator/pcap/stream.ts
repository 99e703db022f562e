import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { PcapGenerator } from "./generator";
import type { SyntheticPcapOptions } from "./options";

/**
 * The file as a lazy stream: one chunk is generated per `_read`, and `_read` is only called again once
 * the consumer has drained the buffer, so memory stays at a chunk or two however large the file is.
 * Options are validated here, synchronously, so a bad request fails before any byte is sent.
 */
export function pcapStream(options: SyntheticPcapOptions): Readable {
  const generator = new PcapGenerator(options);
  return new Readable({
    read() {
      try {
        this.push(generator.next());
      } catch (error) {
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    },
  });
}

/**
 * Writes the file under a temporary name in the target's directory, syncs it, then renames it into
 * place: readers never see a partial file, and on failure nothing is left at `path` or beside it.
 */
export async function writePcapFile(
  path: string,
  options: SyntheticPcapOptions,
): Promise<{ bytes: number; packets: number }> {
  const generator = new PcapGenerator(options);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    try {
      for (let chunk = generator.next(); chunk !== null; chunk = generator.next()) {
        // A write may be partial in principle; loop until the whole chunk is on disk.
        for (let done = 0; done < chunk.length;) {
          done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return { bytes: generator.bytes, packets: generator.packets };
}
