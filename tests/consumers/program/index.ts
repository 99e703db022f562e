/**
 * The program every consumer project runs (copied there as index.ts and compiled with the package's types
 * as installed): onboard a bucket — register it, read the challenge file the emulator writes into the
 * bucket's directory, validate — and run one sampled capture to completion.
 *
 * Stack config: `destinationConf` (the bucket URI) and `emulatorBucketDir` (the emulator's directory for
 * that bucket), plus the usual `cloudflare:*` and `cloudflare-pcap:accountId`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as pcap from "pulumi-cloudflare-pcap";

export = async () => {
  const config = new pulumi.Config();
  const destinationConf = config.require("destinationConf");
  const bucketDir = config.require("emulatorBucketDir");

  const bucket = new pcap.BucketOwnership("bucket", { destinationConf });
  const challenge = bucket.filename.apply((filename) => readFileSync(join(bucketDir, filename), "utf8"));
  const validation = new pcap.BucketOwnershipValidation("bucket", {
    destinationConf: bucket.destinationConf,
    ownershipChallenge: pulumi.secret(challenge),
  });

  const sample = new pcap.PacketCapture("sample", {
    type: "simple",
    timeLimit: 60,
    packetLimit: 100,
    filter: { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 },
    waitForCompletion: true,
  });

  return {
    ownershipId: bucket.id,
    ownershipStatus: validation.status,
    captureId: sample.id,
    captureStatus: sample.status,
  };
};
