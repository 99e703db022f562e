/**
 * examples/gitops through the engine stand-in against the emulator, as a repository would live it:
 * the first deployment registers the bucket (its full capture waits), the second — with the challenge in
 * stack config — validates it and starts the capture, a deployment with nothing new changes nothing, a
 * pull request that edits pcaps.yaml adds, removes and stops captures, and destroy leaves nothing behind.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import type { RunResult } from "../engine";
import { totalRequests } from "../support/pcap-stack";
import { emulatorIsEmpty, exampleDir, exampleStack, loadExample } from "./helpers";

type Program = typeof import("../../examples/gitops/program");
const { gitops } = loadExample<Program>("gitops/program");

const DEST = "s3://acme-edge-pcaps/ord?region=us-east-1"; // as in examples/gitops/pcaps.yaml
let emulator: EmulatorHandle;
let dir: string;
beforeEach(async () => {
  // The sample capture (60 s) is ready after 10 emulated seconds: half a second at ×20.
  emulator = await startEmulator({ timeScale: 20 });
  dir = mkdtempSync(join(tmpdir(), "pcap-gitops-"));
});
afterEach(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function ops(result: RunResult): Record<string, string> {
  return Object.fromEntries(result.steps.map((s) => [`${s.type.split(":").pop()} ${s.name}`, s.op]));
}

it("two-stage bucket validation, a no-op deployment, a pull request, destroy", async () => {
  const pcapsFile = join(dir, "pcaps.yaml");
  copyFileSync(join(exampleDir("gitops"), "pcaps.yaml"), pcapsFile);
  const stateFile = join(dir, "stack.json");
  const warnings = jest.spyOn(console, "warn").mockImplementation(() => undefined);

  // Stage 1: the bucket is registered; its full capture waits for validation.
  const stage1 = exampleStack("gitops", emulator, { pcapsFile }, stateFile);
  const first = await stage1.up(gitops).finally(() => stage1.close());
  expect(ops(first)).toEqual({
    "BucketOwnership edge-pcaps": "create",
    "PacketCapture web-https-sample": "create",
  });
  const [ownership] = emulator.ownerships();
  expect(ownership).toMatchObject({ destination_conf: DEST, status: "pending" });
  expect(first.outputs).toEqual({
    buckets: { "edge-pcaps": { status: "pending", challengeFile: ownership.filename } },
    captures: { "web-https-sample": { id: expect.any(String), status: "success" } },
    waitingForValidation: ["ord-dns-full"],
  });
  expect(warnings.mock.calls.flat().join("\n")).toContain(
    `capture "ord-dns-full" waits for bucket "edge-pcaps" to be validated`,
  );
  warnings.mockRestore();

  // Stage 2: someone read the challenge file from the bucket and put it in stack config.
  const config = {
    pcapsFile,
    ownershipChallenges: { secret: JSON.stringify({ "edge-pcaps": emulator.readChallenge(DEST) }) },
  };
  const stage2 = exampleStack("gitops", emulator, config, stateFile);
  try {
    const second = await stage2.up(gitops);
    expect(ops(second)).toEqual({
      "BucketOwnership edge-pcaps": "update",
      "PacketCapture web-https-sample": "same",
      "PacketCapture ord-dns-full": "create",
    });
    expect(emulator.ownerships()).toEqual([expect.objectContaining({ id: ownership.id, status: "success" })]);
    const fullId = (second.outputs.captures as Record<string, { id: string }>)["ord-dns-full"].id;
    expect(emulator.captures().find((c) => c.id === fullId)).toMatchObject({
      type: "full",
      destination_conf: DEST,
      colo_name: "ord02",
      filter_v1: { destination_address: "203.0.113.53", protocol: 17, destination_port: 53 },
    });
    expect(second.outputs.waitingForValidation).toEqual([]);

    // Nothing new in the repository: nothing to do, and not one API call.
    emulator.resetCounts();
    expect((await stage2.up(gitops)).changed).toBe(false);
    expect(totalRequests(emulator)).toBe(0);

    // A pull request: the web sample is dropped, a DNS sample added, the full capture stopped.
    const edited = readFileSync(pcapsFile, "utf8")
      .replace(/ {2}# A sample[^]*?(?= {2}# Every DNS)/, "")
      .replace(
        "captures:\n",
        "captures:\n  - name: dns-sample\n    type: simple\n    timeLimit: 30\n    packetLimit: 200\n",
      )
      .replace("    colo: ord02\n", "    colo: ord02\n    stopped: true\n");
    writeFileSync(pcapsFile, edited);
    const merged = await stage2.up(gitops);
    expect(ops(merged)).toEqual({
      "BucketOwnership edge-pcaps": "same",
      "PacketCapture dns-sample": "create",
      "PacketCapture ord-dns-full": "update",
      "PacketCapture web-https-sample": "delete",
    });
    expect(emulator.captures().find((c) => c.id === fullId)?.stop_requested).toEqual(expect.any(String));

    expect((await stage2.destroy()).summary).toEqual({ delete: 3 });
    expect(stage2.state.resources).toEqual([]);
    expect(await emulatorIsEmpty(emulator)).toEqual({ ownerships: [], activeCaptures: [] });
  } finally {
    await stage2.close();
  }
});
