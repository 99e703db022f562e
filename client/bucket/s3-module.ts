/**
 * `@aws-sdk/client-s3` is an optional peer dependency: it is loaded here, with a plain `require`, only
 * when a full capture is fetched from s3:// or r2://, so programs that never fetch one neither install
 * nor load it (a test checks that nothing of `@aws-sdk/` is in `require.cache` after a simple download).
 *
 * No declaration this package publishes may name the module's types either: TypeScript programs
 * without it installed would fail to compile. So the caller names the type (s3-storage.ts keeps it
 * in private fields, which declarations omit); a test checks dist/ for it.
 */
import { PcapStorageError } from "./errors";
import type { BucketLocation } from "./location";

/** The package's name, as users install it. */
export const S3_MODULE = "@aws-sdk/client-s3";

/** Loads a module by name; tests pass one that fails, to see the message a user without it gets. */
export type ModuleLoader = (name: string) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireModule: ModuleLoader = (name) => require(name);

/** The S3 client module, or a {@link PcapStorageError} saying how to install it. */
export function loadS3Module<S3Module>(
  location: BucketLocation,
  operation: string,
  load = requireModule,
): S3Module {
  try {
    return load(S3_MODULE) as S3Module;
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
