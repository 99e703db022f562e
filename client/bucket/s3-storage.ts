/**
 * A bucket through the S3 API (`@aws-sdk/client-s3`, loaded on first use): Amazon S3, R2 and any
 * S3-compatible endpoint. The SDK retries throttling, 5xx and resets of each request itself; what it
 * cannot retry (a body cut short) is the caller's to retry, and what no retry fixes (404, 403) becomes
 * a {@link PcapStorageError} that names the object or bucket and where the credentials came from.
 */
import { createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type * as S3Module from "@aws-sdk/client-s3";
import { PcapStorageError } from "./errors";
import type { BucketLocation } from "./location";
import { loadS3Module, type ModuleLoader } from "./s3-module";
import { s3Settings, type S3Settings } from "./s3-settings";
import type { CaptureStorage, StoredObject } from "./storage";

export class S3Storage implements CaptureStorage {
  readonly credentialSource: string;
  private readonly settings: S3Settings;
  private readonly s3: typeof S3Module;
  private readonly client: S3Module.S3Client;

  constructor(
    private readonly location: BucketLocation,
    private readonly operation: string,
    env: NodeJS.ProcessEnv,
    loadModule?: ModuleLoader,
  ) {
    this.settings = s3Settings(location, env, operation);
    this.credentialSource = this.settings.credentialSource;
    this.s3 = loadS3Module<typeof S3Module>(location, operation, loadModule);
    const { region, endpoint, forcePathStyle, credentials } = this.settings;
    this.client = new this.s3.S3Client({
      region,
      forcePathStyle,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(credentials === undefined ? {} : { credentials }),
    });
  }

  async list(prefix: string, signal?: AbortSignal): Promise<StoredObject[]> {
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const input = { Bucket: this.location.bucket, Prefix: prefix, ContinuationToken: token };
      const page = await this.send(
        (abortSignal) => this.client.send(new this.s3.ListObjectsV2Command(input), { abortSignal }),
        signal,
        `list ${this.location.bucket} under ${prefix}`,
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined || item.Key.endsWith("/")) continue;
        found.push({
          key: item.Key,
          name: item.Key.slice(item.Key.lastIndexOf("/") + 1),
          bytes: item.Size ?? 0,
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async download(
    object: StoredObject,
    file: string,
    onBytes: (bytes: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const input = { Bucket: this.location.bucket, Key: object.key };
    const answer = await this.send(
      (abortSignal) => this.client.send(new this.s3.GetObjectCommand(input), { abortSignal }),
      signal,
      `get ${object.key}`,
      object,
    );
    if (!(answer.Body instanceof Readable))
      throw new Error(`get ${object.key}: the answer has no body stream`);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        onBytes(chunk.length);
        callback(null, chunk);
      },
    });
    await pipeline(answer.Body, counter, createWriteStream(file, { flags: "wx" }), { signal });
    const expected = answer.ContentLength ?? object.bytes;
    if (bytes !== expected) throw new Error(`get ${object.key}: ${bytes} of ${expected} bytes arrived`);
  }

  close(): void {
    this.client.destroy();
  }

  /** One request; permanent refusals become {@link PcapStorageError}s, anything else is rethrown. */
  private async send<O>(
    request: (abortSignal: AbortSignal | undefined) => Promise<O>,
    signal: AbortSignal | undefined,
    what: string,
    object?: StoredObject,
  ): Promise<O> {
    try {
      return await request(signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw this.refusal(err, what, object) ?? err;
    }
  }

  private refusal(
    err: unknown,
    what: string,
    object: StoredObject | undefined,
  ): PcapStorageError | undefined {
    const name = (err as { name?: unknown }).name;
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const { display, bucket } = this.location;
    const fail = (message: string) =>
      new PcapStorageError(this.operation, display, `${what}: ${message}`, { cause: err });
    if (name === "NoSuchBucket") {
      return fail(`the bucket ${bucket} does not exist at ${this.settings.endpointSource}`);
    }
    if (name === "NoSuchKey" || (object !== undefined && status === 404)) {
      return fail(
        `the part ${object?.key ?? "?"} was listed but is gone (404): it was moved or deleted while fetching. ` +
          "Nothing was written; check the bucket and run again",
      );
    }
    if (
      status === 403 ||
      name === "AccessDenied" ||
      name === "InvalidAccessKeyId" ||
      name === "SignatureDoesNotMatch"
    ) {
      return fail(
        `access denied to bucket ${bucket} at ${this.settings.endpointSource} (${String(name)}, HTTP ${status ?? "?"}) ` +
          `with credentials from ${this.credentialSource}: give them s3:ListBucket and s3:GetObject on the bucket`,
      );
    }
    if (name === "CredentialsProviderError") {
      return fail(
        `no credentials for ${this.settings.endpointSource}: none were found in ${this.credentialSource}`,
      );
    }
    if (status === 301 || name === "PermanentRedirect") {
      return fail(
        `the bucket ${bucket} is not in region ${this.settings.region}: fix ?region= in the destination`,
      );
    }
    return undefined;
  }
}
