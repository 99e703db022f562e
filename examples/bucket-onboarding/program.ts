/**
 * Bucket onboarding in a single `pulumi up`: register a bucket with Cloudflare, read the challenge file
 * Cloudflare writes into it, prove ownership with it, then run a full packet capture into the bucket.
 *
 * Stack config: `destinationConf` (required; the bucket URI: `s3://<bucket>[/dir]?region=<region>`,
 * `gs://<bucket>[/dir]` or `r2://<bucket>[/dir]?account-id=<id>`); optional `coloName` (default `ord02`),
 * `timeLimit` (seconds, 1–86400, default 120), `packetLimit` (1–10000, default 1000),
 * `destinationAddress` (IPv4, default 203.0.113.7). Against the emulator, also `emulatorBucketDir`
 * (see the end of this file). Credentials and account as for every example: `cloudflare:apiToken`,
 * `cloudflare-pcap:accountId` (or CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID).
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as pcap from "pulumi-cloudflare-pcap";

export function bucketOnboarding() {
  const config = new pulumi.Config();
  const destinationConf = config.require("destinationConf");
  const readChallengeFile = challengeFileReader(); // emulator only: see the end of this file

  // 1. Register the bucket. Cloudflare writes a challenge file into it; `filename` is its name.
  const bucket = new pcap.BucketOwnership("captures", { destinationConf });

  // 2. Read the challenge file's contents (only once it exists: an apply on the registration's output).
  const challenge = readChallengeFile(bucket.filename);

  // 3. Prove ownership: validates and waits until Cloudflare says `success`.
  const validation = new pcap.BucketOwnershipValidation("captures", {
    destinationConf: bucket.destinationConf,
    ownershipChallenge: pulumi.secret(challenge),
  });

  // 4. A full capture into the bucket. Its destination is the validation's output, so it starts only
  //    once the bucket is validated. Cloudflare writes the capture as pcap_<id>…pcap files into the
  //    bucket, one per edge server; `pulumi-cloudflare-pcap download <id> -o x.pcap` fetches and merges them.
  const capture = new pcap.PacketCapture("edge-full", {
    type: "full",
    destinationConf: validation.destinationConf,
    coloName: config.get("coloName") ?? "ord02",
    timeLimit: config.getNumber("timeLimit") ?? 120,
    packetLimit: config.getNumber("packetLimit") ?? 1000,
    filter: {
      destinationAddress: config.get("destinationAddress") ?? "203.0.113.7",
      protocol: 6, // TCP
      destinationPort: 443,
    },
    waitForCompletion: true,
  });

  const captureFiles = localCaptureFiles(capture.id);
  return {
    ownershipId: bucket.id,
    challengeFile: bucket.filename,
    ownershipStatus: validation.status,
    captureId: capture.id,
    captureStatus: capture.status,
    packetsCaptured: capture.packetsCaptured,
    /** Emulator only: the objects it wrote into the bucket (one per edge server), and their paths here. */
    captureObjects: captureFiles?.apply((files) => files.map((f) => basename(f))),
    captureFiles,
  };
}

// ---------------------------------------------------------------------------------------------------
// EMULATOR ONLY. The emulator's buckets are directories on this machine, and stack config
// `emulatorBucketDir` is the directory `destinationConf` maps to (`npm run demo` and the tests set it).
// For a real bucket, replace challengeFileReader with a read from S3 or GCS (this example's
// README shows both) and drop localCaptureFiles.
// ---------------------------------------------------------------------------------------------------

/** Reads a file of the bucket, once its name is known. Fails at once, before any change, without config. */
function challengeFileReader(): (filename: pulumi.Output<string>) => pulumi.Output<string> {
  const dir = new pulumi.Config().get("emulatorBucketDir");
  if (dir === undefined) {
    throw new Error(
      "bucket-onboarding reads the challenge file from the emulator's bucket directory: set it with " +
        "`pulumi config set emulatorBucketDir <dir>`, or replace challengeFileReader in program.ts with a read " +
        "from your bucket (S3: aws.s3.getObjectOutput; GCS: gcp.storage.getBucketObjectContentOutput).",
    );
  }
  return (filename) => filename.apply((name) => readFileSync(join(dir, name), "utf8"));
}

function localCaptureFiles(captureId: pulumi.Output<string>): pulumi.Output<string[]> | undefined {
  const dir = new pulumi.Config().get("emulatorBucketDir");
  if (dir === undefined) return undefined;
  return captureId.apply((id) =>
    readdirSync(dir)
      .filter((name) => name.startsWith(`pcap_${id}`) && name.endsWith(".pcap"))
      .sort()
      .map((name) => join(dir, name)),
  );
}
