/**
 * GitOps: the buckets and packet captures of a stack are declared in pcaps.yaml, in the repository.
 * A pull request that adds an entry starts a capture (or registers a bucket) when it is merged and
 * deployed; one that removes an entry stops or forgets it. The file is validated before anything is
 * sent to Cloudflare, with errors naming the file, line, entry and field.
 *
 * Buckets take two deployments (the challenge file only exists once the bucket is registered):
 *   1. the bucket is registered; full captures into it wait, with a warning (the stack output
 *      `buckets.<name>.challengeFile` names the file Cloudflare wrote into the bucket);
 *   2. someone reads that file from the bucket and stores its contents in stack config
 *        pulumi config set --secret --path 'ownershipChallenges.<bucket name>' <contents>
 *      (a pull request too: Pulumi.<stack>.yaml holds it encrypted); the next deployment validates the
 *      bucket and starts its full captures.
 *
 * Stack config: `pcapsFile` (default `pcaps.yaml`, relative to this folder), `ownershipChallenges`
 * (secret object, bucket name → challenge). Credentials and account as for every example:
 * `cloudflare:apiToken`, `cloudflare-pcap:accountId` (or CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID).
 */
import * as pulumi from "@pulumi/pulumi";
import * as pcap from "pulumi-cloudflare-pcap";
import { loadPcapsFile, type PcapsFile } from "./pcaps-file";

export function gitops() {
  const config = new pulumi.Config();
  const file = config.get("pcapsFile") ?? "pcaps.yaml";
  const declared = loadPcapsFile(file);
  const challenges = ownershipChallenges(config, declared, file);

  const buckets = new Map<string, pcap.BucketOwnership>();
  for (const entry of declared.buckets) {
    const challenge = challenges[entry.name];
    const bucket = new pcap.BucketOwnership(entry.name, {
      destinationConf: entry.destination,
      // Stage 2: with the challenge, the registration is validated (and waited for).
      ownershipChallenge: challenge === undefined ? undefined : pulumi.secret(challenge),
    });
    buckets.set(entry.name, bucket);
  }

  const captures: Record<string, { id: pulumi.Output<string>; status: pulumi.Output<string> }> = {};
  const waiting: string[] = [];
  for (const entry of declared.captures) {
    const common = {
      timeLimit: entry.timeLimit,
      packetLimit: entry.packetLimit,
      filter: entry.filter,
      waitForCompletion: entry.waitForCompletion,
    };
    let capture: pcap.PacketCapture;
    if (entry.type === "simple") {
      capture = new pcap.PacketCapture(entry.name, { type: "simple", ...common });
    } else {
      if (challenges[entry.bucket] === undefined) {
        // Stage 1: the bucket is not validated yet, and Cloudflare refuses full captures into it.
        waiting.push(entry.name);
        pulumi.log.warn(
          `${file}: capture "${entry.name}" waits for bucket "${entry.bucket}" to be validated: read the file ` +
            `named by the stack output buckets.${entry.bucket}.challengeFile from the bucket, then run ` +
            `\`pulumi config set --secret --path 'ownershipChallenges.${entry.bucket}' <its contents>\` and deploy again.`,
        );
        continue;
      }
      const bucket = buckets.get(entry.bucket)!;
      capture = new pcap.PacketCapture(entry.name, {
        type: "full",
        ...common,
        // The bucket's output: the capture starts once the bucket is validated.
        destinationConf: bucket.destinationConf,
        coloName: entry.colo,
        byteLimit: entry.byteLimit,
        stopped: entry.stopped,
      });
    }
    captures[entry.name] = { id: capture.id, status: capture.status };
  }

  return {
    buckets: Object.fromEntries(
      [...buckets].map(([name, b]) => [name, { status: b.status, challengeFile: b.filename }]),
    ),
    captures,
    waitingForValidation: waiting,
  };
}

/** Stack config `ownershipChallenges`: bucket name → the contents of its challenge file. */
function ownershipChallenges(
  config: pulumi.Config,
  declared: PcapsFile,
  file: string,
): Record<string, string> {
  const key = `${config.name}:ownershipChallenges`;
  // Read in plain form to know which buckets have one; each value is wrapped as a secret where it is used.
  const value = config.getObject<unknown>("ownershipChallenges") ?? {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`config ${key} must be an object of bucket name → challenge (set it with --path)`);
  }
  const names = declared.buckets.map((b) => b.name);
  const challenges: Record<string, string> = {};
  for (const [bucket, challenge] of Object.entries(value)) {
    if (!names.includes(bucket)) {
      throw new Error(
        `config ${key}.${bucket}: ${file} declares no bucket named "${bucket}"` +
          (names.length > 0 ? ` (declared: ${names.join(", ")})` : ""),
      );
    }
    if (typeof challenge !== "string" || challenge.trim() === "") {
      throw new Error(
        `config ${key}.${bucket} must be the non-empty contents of the bucket's challenge file`,
      );
    }
    challenges[bucket] = challenge;
  }
  return challenges;
}
