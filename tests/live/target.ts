/**
 * The API the scenarios run against, opened from the suite's settings: a fresh emulator, or the real
 * API. Either way the client talks to it through the recording proxy, and a bucket's challenge file is
 * read the way a user would: from the emulator's bucket directory, or with the user's own command.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startEmulator } from "../../emulator";
import { DEFAULT_BASE_URL } from "../../client";
import { startRecordingProxy } from "./recording-proxy";
import { LIVE_ENV, type SuiteSettings } from "./settings";
import { ShapeRecorder } from "./shape";

export interface TargetBucket {
  destinationConf: string;
  /** The contents of the challenge file Cloudflare wrote into the bucket. */
  readChallenge(filename: string): Promise<string>;
}

export interface Target {
  kind: "emulator" | "live";
  /** The API's own base URL (not secret; goes into the report). */
  upstreamBaseUrl: string;
  /** The recording proxy's URL: give this to clients. */
  baseUrl: string;
  apiToken: string;
  accountId: string;
  /** The bucket scenario's bucket, or why it does not run. */
  bucket: TargetBucket | { notRun: string };
  timeoutSeconds: number;
  recorder: ShapeRecorder;
  close(): Promise<void>;
}

/** The challenge file names Cloudflare writes; anything else is refused before it reaches a shell. */
const CHALLENGE_FILENAME = /^[A-Za-z0-9._-]+$/;
const CHALLENGE_COMMAND_TIMEOUT_MS = 60_000;

export async function openTarget(settings: SuiteSettings): Promise<Target> {
  const recorder = new ShapeRecorder();
  const observe = recorder.observe.bind(recorder);
  if (settings.kind === "live") {
    const upstreamBaseUrl = settings.baseUrl ?? DEFAULT_BASE_URL;
    const proxy = await startRecordingProxy(upstreamBaseUrl, observe);
    const bucket = settings.bucket;
    return {
      kind: "live",
      upstreamBaseUrl,
      baseUrl: proxy.url,
      apiToken: settings.apiToken,
      accountId: settings.accountId,
      bucket: bucket
        ? {
            destinationConf: bucket.destinationConf,
            readChallenge: (filename) => runChallengeCommand(bucket.challengeCommand, filename),
          }
        : { notRun: `${LIVE_ENV.bucket} is not set` },
      timeoutSeconds: settings.timeoutSeconds,
      recorder,
      close: () => proxy.close(),
    };
  }

  const emulator = await startEmulator();
  const proxy = await startRecordingProxy(emulator.url, observe).catch(async (err: unknown) => {
    await emulator.close();
    throw err;
  });
  // A bucket of its own per run, so a registration left by an earlier run can never collide.
  const destinationConf = `s3://pcap-conformance-${randomBytes(4).toString("hex")}?region=us-east-1`;
  return {
    kind: "emulator",
    upstreamBaseUrl: emulator.url,
    baseUrl: proxy.url,
    apiToken: emulator.token,
    accountId: emulator.accountId,
    bucket: {
      destinationConf,
      readChallenge: async (filename) => {
        checkFilename(filename);
        return (await readFile(join(emulator.bucketDirectory(destinationConf), filename), "utf8")).trim();
      },
    },
    timeoutSeconds: settings.timeoutSeconds,
    recorder,
    async close() {
      await proxy.close();
      await emulator.close();
    },
  };
}

function checkFilename(filename: string): void {
  if (!CHALLENGE_FILENAME.test(filename)) {
    throw new Error(
      `the API named the challenge file ${JSON.stringify(filename)}, which is not a plain file name`,
    );
  }
}

/**
 * Runs the user's command with `{filename}` replaced and returns what it printed, trimmed. The command
 * gets the environment without Cloudflare credentials: it reads a bucket and needs none of them.
 */
function runChallengeCommand(template: string, filename: string): Promise<string> {
  checkFilename(filename);
  const command = template.split("{filename}").join(filename);
  const env = { ...process.env };
  delete env[LIVE_ENV.apiToken];
  delete env.CLOUDFLARE_API_KEY;
  return new Promise((resolve, reject) => {
    execFile(
      "/bin/sh",
      ["-c", command],
      { env, timeout: CHALLENGE_COMMAND_TIMEOUT_MS },
      (err, stdout, stderr) => {
        if (err) {
          const detail = stderr.trim().split("\n").slice(-3).join(" / ") || err.message;
          reject(new Error(`${LIVE_ENV.challengeCommand} failed for ${filename}: ${detail}`));
          return;
        }
        const contents = stdout.trim();
        if (contents === "")
          reject(new Error(`${LIVE_ENV.challengeCommand} printed nothing for ${filename}`));
        else resolve(contents);
      },
    );
  });
}
