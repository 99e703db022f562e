/**
 * A bucket as the fetch sees it: list the objects under a prefix, stream one object to a file. The S3
 * API serves s3:// and r2://; gs:// is refused with the way that works (see {@link gcsRefusal}). Tests
 * inject their own {@link StorageFactory} to misbehave on purpose.
 */
import { PcapStorageError } from "./errors";
import { capturePrefix, type BucketLocation } from "./location";
import type { ModuleLoader } from "./s3-module";
import { S3Storage } from "./s3-storage";

/** One object of the bucket: a part of a full capture. */
export interface StoredObject {
  /** The full object key, e.g. `edge/pcap_<id>_ord02-1.pcap`. */
  key: string;
  /** The key's last segment, the file name the part is known by. */
  name: string;
  /** Size from the listing. */
  bytes: number;
}

/** A bucket, as far as fetching a capture's parts needs it. */
export interface CaptureStorage {
  /** Where the credentials come from (never their values), for messages. */
  readonly credentialSource: string;
  /** Every object whose key starts with `prefix`, sorted by key, all pages. */
  list(prefix: string, signal?: AbortSignal): Promise<StoredObject[]>;
  /**
   * Streams `object` into `file` (created, never overwritten), calling `onBytes` with each chunk's size.
   * Throws a {@link PcapStorageError} for what retrying cannot fix (gone, access denied); anything else
   * (a reset, a 5xx, a body cut short) may be retried by the caller.
   */
  download(
    object: StoredObject,
    file: string,
    onBytes: (bytes: number) => void,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Releases connections. */
  close(): void;
}

/** What building a storage may take from the caller. */
export interface StorageOptions {
  /** Credentials and endpoints are read from here; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** How `@aws-sdk/client-s3` is loaded (tests simulate its absence). */
  loadModule?: ModuleLoader;
}

/** Opens the storage of a location; `operation` starts every error message. */
export type StorageFactory = (location: BucketLocation, operation: string) => CaptureStorage;

/** The storage for s3:// and r2:// destinations; throws for gs:// (see {@link gcsRefusal}). */
export function openStorage(
  location: BucketLocation,
  operation: string,
  options: StorageOptions = {},
): CaptureStorage {
  if (location.scheme === "gs") throw gcsRefusal(location, operation);
  return new S3Storage(location, operation, options.env ?? process.env, options.loadModule);
}

/**
 * Google Cloud Storage is not fetched: no real implementation of its API can be run in this package's
 * tests (only the npm registry is reachable where they run), and untested code that moves someone's
 * capture is worse than a clear pointer to the tool that works.
 */
export function gcsRefusal(
  location: BucketLocation,
  operation: string,
  captureId?: string,
): PcapStorageError {
  const prefix =
    captureId === undefined ? "pcap_<id>" : capturePrefix({ ...location, directory: "" }, captureId);
  const files = `${location.display}/${prefix}*`;
  return new PcapStorageError(
    operation,
    location.display,
    "fetching from Google Cloud Storage (gs://) is not supported: this package is tested against a real " +
      "S3 implementation only, and no real implementation of the GCS API can run in its tests. Fetch the " +
      `files with \`gcloud storage cp '${files}' .\` and merge them with ` +
      `\`pulumi-cloudflare-pcap merge ${prefix}*.pcap -o <file>\``,
  );
}
