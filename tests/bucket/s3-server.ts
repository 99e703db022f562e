/**
 * A real S3 implementation for the tests: s3rver (from the npm registry) on 127.0.0.1, a free port and a
 * temp directory, with the client the tests upload through. Uploads skip the SDK's default request
 * checksums (`WHEN_REQUIRED`): s3rver 3.7 stores an aws-chunked body with a trailing checksum as is and
 * then fails every listing of the bucket. The code under test reads with the SDK's defaults.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
// s3rver ships no types; only its constructor, run() and close() are used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: object) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
};

/** s3rver's one accepted key pair. */
export const S3RVER_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface S3Server {
  endpoint: string;
  client: S3Client;
  createBucket(bucket: string): Promise<void>;
  /** Uploads every `pcap_*` file of `directory` as `<prefix>/<name>`; returns the names. */
  uploadDirectory(bucket: string, directory: string, prefix: string): Promise<string[]>;
  put(bucket: string, key: string, body: Buffer): Promise<void>;
  remove(bucket: string, key: string): Promise<void>;
  keys(bucket: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), "pcap-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_KEYS,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const put = async (bucket: string, key: string, body: Buffer) => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  };
  return {
    endpoint,
    client,
    put,
    createBucket: async (bucket) => {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    uploadDirectory: async (bucket, from, prefix) => {
      const names = readdirSync(from).filter((name) => name.startsWith("pcap_"));
      for (const name of names) await put(bucket, `${prefix}/${name}`, readFileSync(join(from, name)));
      return names.sort();
    },
    remove: async (bucket, key) => {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    keys: async (bucket) => {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (listed.Contents ?? []).map((o) => o.Key ?? "");
    },
    close: async () => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
