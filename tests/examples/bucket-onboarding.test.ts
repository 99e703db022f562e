/**
 * examples/bucket-onboarding through the engine stand-in against the emulator: in one up, the bucket is
 * registered, its challenge file read from the emulator's bucket directory, the bucket validated, and a
 * full capture written into it; a second up changes nothing; destroy unregisters the bucket.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { isSecret } from "../engine";
import { totalRequests } from "../support/pcap-stack";
import { emulatorIsEmpty, exampleStack, loadExample } from "./helpers";

type Program = typeof import("../../examples/bucket-onboarding/program");
const { bucketOnboarding } = loadExample<Program>("bucket-onboarding/program");

const DEST = "gs://pcap-onboarding/edge";
let emulator: EmulatorHandle;
beforeEach(async () => {
  // A full capture of 100 packets: 5 s pending, 10 s running, 10 s converting — under half a second at ×60.
  emulator = await startEmulator({ timeScale: 60 });
});
afterEach(() => emulator.close());

function config() {
  return {
    destinationConf: DEST,
    emulatorBucketDir: emulator.bucketDirectory(DEST),
    timeLimit: "60",
    packetLimit: "100",
  };
}

it("preview plans three creates with no API call; up onboards and captures; up again is a no-op; destroy empties the emulator", async () => {
  const stack = exampleStack("bucket-onboarding", emulator, config());
  try {
    const planned = await stack.preview(bucketOnboarding);
    expect(planned.steps.map((s) => [s.type.split(":").pop(), s.op])).toEqual([
      ["BucketOwnership", "create"],
      ["BucketOwnershipValidation", "create"],
      ["PacketCapture", "create"],
    ]);
    expect(totalRequests(emulator)).toBe(0);

    const first = await stack.up(bucketOnboarding);
    expect(first.summary).toEqual({ create: 3 });
    const [ownership] = emulator.ownerships();
    expect(ownership).toMatchObject({ destination_conf: DEST, status: "success" });
    const id = first.outputs.captureId as string;
    expect(first.outputs).toEqual({
      ownershipId: ownership.id,
      challengeFile: ownership.filename,
      ownershipStatus: "success",
      captureId: id,
      captureStatus: "success",
      packetsCaptured: 100,
      captureObjects: expect.anything(),
      captureFiles: expect.anything(),
    });
    // An array made by Node itself (readdirSync) comes from outside jest's sandbox realm, and the SDK's
    // protobuf encoder (inside it) takes it for an object keyed "0", "1", …: a jest artifact, not the
    // stand-in's or the engine's (a plain Node program exports a list).
    const captureObjects = Object.values(first.outputs.captureObjects as object) as string[];
    const captureFiles = Object.values(first.outputs.captureFiles as object) as string[];
    expect(captureObjects.length).toBeGreaterThanOrEqual(2); // one per edge server
    for (const name of captureObjects) expect(name).toMatch(new RegExp(`^pcap_${id}_.+\\.pcap$`));
    expect(captureFiles.map((f) => basename(f))).toEqual(captureObjects);
    for (const file of captureFiles) {
      expect(dirname(file)).toBe(emulator.bucketDirectory(DEST));
      expect(readFileSync(file).readUInt32BE(0).toString(16)).toMatch(/^(a1b2c3d4|d4c3b2a1)$/);
    }
    expect(emulator.captures()).toEqual([
      expect.objectContaining({
        id,
        type: "full",
        destination_conf: DEST,
        colo_name: "ord02",
        status: "success",
      }),
    ]);
    const validation = stack.resource(
      "captures",
      "pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnershipValidation",
    );
    expect(isSecret(validation!.outputs.ownershipChallenge)).toBe(true);

    emulator.resetCounts();
    const second = await stack.up(bucketOnboarding);
    expect(second.changed).toBe(false);
    expect(totalRequests(emulator)).toBe(0);

    expect((await stack.destroy()).summary).toEqual({ delete: 3 });
    expect(await emulatorIsEmpty(emulator)).toEqual({ ownerships: [], activeCaptures: [] });
    // The registration's challenge file went with it; the capture file stays in the bucket.
    expect(existsSync(join(emulator.bucketDirectory(DEST), ownership.filename))).toBe(false);
    expect(captureFiles.every((f) => existsSync(f))).toBe(true);
  } finally {
    await stack.close();
  }
});
