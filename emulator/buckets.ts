/**
 * Buckets are directories: `<dataDir>/buckets/<scheme>/<bucket>/<dir...>`. Every path is built from a
 * parsed destination (readBucketUri allows no "..", no absolute part, no odd characters), checked
 * lexically to stay under the buckets root, and created one segment at a time refusing symlinks, so
 * nothing a request says can make the emulator write outside its data directory.
 */
import { readFileSync } from "node:fs";
import { lstat, mkdir, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { readBucketUri } from "./rules";
import { ApiError } from "./errors";

/**
 * Bounds on a bucket path. Every segment becomes a directory, so without them one request could make
 * thousands of nested directories (up to the file system's path limit), which many tools — Node's own
 * `rmSync` among them — then cannot even delete.
 */
const MAX_SEGMENTS = 32;
const MAX_PATH_CHARACTERS = 1024;

export class Buckets {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = resolve(dataDir, "buckets");
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  /** Directory segments (under root) of a destination; throws 1201 for anything unsafe. */
  private segments(destinationConf: string): { bucketRoot: string[]; all: string[] } {
    const parsed = readBucketUri(destinationConf);
    if ("problem" in parsed) {
      throw new ApiError("invalidDestination", `destination_conf: ${parsed.problem}`, {
        pointer: "/destination_conf",
      });
    }
    const bucketRoot = [parsed.scheme, parsed.bucket];
    const all = [...bucketRoot, ...parsed.folders];
    if (all.length > MAX_SEGMENTS || all.join("/").length > MAX_PATH_CHARACTERS) {
      throw new ApiError(
        "invalidDestination",
        `destination_conf: the bucket path is too deep or too long for the emulator (at most ${MAX_SEGMENTS} directories and ${MAX_PATH_CHARACTERS} characters)`,
        { pointer: "/destination_conf" },
      );
    }
    const target = resolve(this.root, ...all);
    const rel = relative(this.root, target);
    // Belt and braces: readBucketUri already forbids this, but the guarantee must not hinge on it.
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel) || all.some((s) => s === "." || s === "..")) {
      throw new ApiError("invalidDestination", "destination_conf would leave the emulator's data directory", {
        pointer: "/destination_conf",
      });
    }
    return { bucketRoot, all };
  }

  /** Absolute directory a destination maps to (whether or not it exists). */
  directoryOf(destinationConf: string): string {
    return join(this.root, ...this.segments(destinationConf).all);
  }

  /** True when the bucket itself (not its sub-directory) exists as a real directory. */
  async bucketExists(destinationConf: string): Promise<boolean> {
    const path = join(this.root, ...this.segments(destinationConf).bucketRoot);
    try {
      const stat = await lstat(path);
      return stat.isDirectory() && !stat.isSymbolicLink();
    } catch {
      return false;
    }
  }

  /** Creates the destination's directory segment by segment, refusing any symlink or non-directory. */
  async ensureDirectory(destinationConf: string): Promise<string> {
    let path = this.root;
    for (const segment of this.segments(destinationConf).all) {
      path = join(path, segment);
      try {
        const stat = await lstat(path);
        if (stat.isSymbolicLink() || !stat.isDirectory()) {
          throw new ApiError(
            "bucketUnwritable",
            `cannot write to ${destinationConf}: not a directory in the emulator`,
          );
        }
      } catch (error) {
        if (error instanceof ApiError) throw error;
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        await mkdir(path).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== "EEXIST") throw e;
        });
      }
    }
    return path;
  }

  async writeChallenge(destinationConf: string, filename: string, token: string): Promise<void> {
    const directory = await this.ensureDirectory(destinationConf);
    await writeFile(join(directory, filename), token, { flag: "wx" });
  }

  async removeChallenge(destinationConf: string, filename: string): Promise<void> {
    await rm(join(this.directoryOf(destinationConf), filename), { force: true });
  }

  /** Synchronous so tests can read it inline, as a customer reads the object from their bucket. */
  readChallenge(destinationConf: string, filename: string): string {
    return readFileSync(join(this.directoryOf(destinationConf), filename), "utf8");
  }
}
