/**
 * A real S3 implementation for the tests: s3rver (from the npm registry) on 127.0.0.1, a free port and a
 * temp directory, filled through the S3 API only (never through s3rver's own file layout).
 *
 * Uploads skip the SDK's default request checksums (`WHEN_REQUIRED`): s3rver 3.7 stores an aws-chunked
 * body with a trailing checksum as is, and then fails every listing of the bucket. The code under test
 * reads with the SDK's defaults.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
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
  /** What a user exports to point the package at this S3: endpoint, keys and region. */
  env: NodeJS.ProcessEnv;
  createBucket(bucket: string): Promise<void>;
  /** Uploads every `pcap_*` file of `directory` as `<prefix>/<name>` (`<name>` for ""); returns the names. */
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
    env: s3Env(endpoint, directory),
    put,
    createBucket: async (bucket) => {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    uploadDirectory: async (bucket, from, prefix) => {
      const names = readdirSync(from).filter((name) => name.startsWith("pcap_"));
      for (const name of names) {
        await put(bucket, prefix ? `${prefix}/${name}` : name, readFileSync(join(from, name)));
      }
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

/**
 * S3 that holds whatever the emulator has written into its buckets by the time a client asks: for
 * commands that start a full capture and fetch it in one go, with no moment in between to upload.
 * A small proxy in front of s3rver uploads the emulator's new `pcap_*` files (through the S3 API)
 * before it forwards each request, so nothing races a background copier.
 *
 * @param buckets bucket name → the emulator's directory for it (`emulator.bucketDirectory("s3://name")`).
 */
export async function startMirroredS3(buckets: Record<string, string>): Promise<S3Server> {
  const s3 = await startS3Server();
  for (const bucket of Object.keys(buckets)) await s3.createBucket(bucket);
  const uploaded = new Set<string>();
  const upload = async () => {
    for (const [bucket, source] of Object.entries(buckets)) {
      for (const file of pcapFiles(source)) {
        if (uploaded.has(file)) continue;
        await s3.put(bucket, relative(source, file), readFileSync(file));
        uploaded.add(file);
      }
    }
  };
  const upstream = new URL(s3.endpoint);
  const proxy: Server = createServer((incoming, answer) => {
    upload().then(
      () => {
        const forwarded = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (reply) => {
            answer.writeHead(reply.statusCode ?? 502, reply.headers);
            reply.pipe(answer);
          },
        );
        forwarded.on("error", () => answer.destroy());
        incoming.pipe(forwarded);
      },
      (error: unknown) => {
        answer.writeHead(500);
        answer.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    ...s3,
    endpoint,
    env: { ...s3.env, AWS_ENDPOINT_URL_S3: endpoint },
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3.close();
    },
  };
}

function s3Env(endpoint: string, directory: string): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_KEYS.secretAccessKey,
    AWS_REGION: "us-east-1",
    // No shared config or credentials file of this machine may take part.
    AWS_CONFIG_FILE: join(directory, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(directory, "no-aws-credentials"),
    // The SDK warns on Node 20 (its support ends in 2027); the tests run on Node 20 on purpose.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "1",
  };
}

/** The finished pcap files under `directory` (the emulator writes `pcap_<id>…pcap`; temp names start with "."). */
function pcapFiles(directory: string): string[] {
  let entries;
  try {
    entries = readdirSync(directory, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && e.name.startsWith("pcap_") && e.name.endsWith(".pcap"))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/**
 * Runs `body` with `env` in `process.env` too: the AWS SDK reads its endpoint and keys from the process
 * environment itself, while the command and the functions read the rest from the environment they get.
 */
export async function withProcessEnv<T>(env: NodeJS.ProcessEnv, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await body();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
