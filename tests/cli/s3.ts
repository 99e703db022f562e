/**
 * A real S3 implementation (s3rver, from the npm registry) holding the files the emulator writes into
 * its buckets, for the command's full-capture tests.
 *
 * s3rver keeps objects in its own layout (`<key>._S3rver_object`), and the emulator writes plain files,
 * so a small proxy sits in front of s3rver and copies the emulator's new pcap files into that layout
 * before forwarding each request: whatever the emulator has written when a client asks is in the bucket,
 * with no race against a background copier.
 */
import { copyFile, mkdir, readdir } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";

/** The part of s3rver's API used here (it ships no types). */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(callback: () => void): void;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string; configs: string[] }[];
}) => S3rverServer;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as S3rverClass;

/** s3rver's built-in account: any request signed with these keys is accepted. */
const S3RVER_KEY = "S3RVER";

export interface S3Fixture {
  /** What a user would export to point the command at this S3: endpoint and keys. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * Serves `buckets` (bucket name → the emulator's directory for that bucket, e.g.
 * `join(emulator.dataDir, "buckets", "s3", name)`) over the S3 API, from `directory` (s3rver's store).
 */
export async function startS3(buckets: Record<string, string>, directory: string): Promise<S3Fixture> {
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory,
    silent: true,
    configureBuckets: Object.keys(buckets).map((name) => ({ name, configs: [] })),
  });
  const upstream = await s3.run();
  const copied = new Set<string>();

  const sync = async () => {
    for (const [bucket, source] of Object.entries(buckets)) {
      for (const file of await pcapFiles(source)) {
        if (copied.has(file)) continue;
        const key = relative(source, file);
        const target = join(directory, bucket, `${key}._S3rver_object`);
        await mkdir(join(target, ".."), { recursive: true });
        await copyFile(file, target);
        copied.add(file);
      }
    }
  };

  const proxy: Server = createServer((incoming, answer) => {
    sync().then(
      () => {
        const forwarded = request(
          {
            host: upstream.address,
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
  const { port } = proxy.address() as AddressInfo;

  return {
    env: {
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      AWS_REGION: "us-east-1",
    },
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await new Promise<void>((resolve) => s3.close(resolve));
    },
  };
}

/** The finished pcap files under `directory` (the emulator writes `pcap_<id>…pcap`, temp names start with "."). */
async function pcapFiles(directory: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(directory, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && e.name.startsWith("pcap_") && e.name.endsWith(".pcap"))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/**
 * Runs `body` with `env` in `process.env` too: the AWS SDK reads its endpoint and keys from the process
 * environment itself, while the command reads the rest from its io.env.
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
