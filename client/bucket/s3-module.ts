/**
 * `@aws-sdk/client-s3` is an optional peer dependency: it is loaded here, with a plain `require`, only
 * when a full capture is fetched from s3:// or r2://, so programs that never fetch one neither install
 * nor load it (a test checks that nothing of `@aws-sdk/` is in `require.cache` after a simple download).
 */
import type * as S3Module from "@aws-sdk/client-s3";
import { PcapStorageError } from "./errors";
import type { BucketLocation } from "./location";

export type S3ModuleType = typeof S3Module;

/** The package's name, as users install it. */
export const S3_MODULE = "@aws-sdk/client-s3";

/** Loads a module by name; tests pass one that fails, to see the message a user without it gets. */
export type ModuleLoader = (name: string) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireModule: ModuleLoader = (name) => require(name);

/** The S3 client module, or a {@link PcapStorageError} saying how to install it. */
export function loadS3Module(
  location: BucketLocation,
  operation: string,
  load = requireModule,
): S3ModuleType {
  try {
    return load(S3_MODULE) as S3ModuleType;
  } catch (err) {
    if (!isMissing(err)) throw err;
    throw new PcapStorageError(
      operation,
      location.display,
      `fetching a full capture from ${location.display} needs ${S3_MODULE}: npm install ${S3_MODULE}`,
      { cause: err },
    );
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND";
}
