/**
 * examples/quickstart through the engine stand-in against the emulator: one simple capture, waited for and
 * downloaded; a second up changes nothing; destroy leaves nothing registered or running.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { totalRequests } from "../support/pcap-stack";
import { emulatorIsEmpty, exampleStack, loadExample } from "./helpers";

type Program = typeof import("../../examples/quickstart/program");
const { quickstart } = loadExample<Program>("quickstart/program");

let emulator: EmulatorHandle;
let downloadDir: string;
beforeEach(async () => {
  // Simple captures are ready after min(timeLimit, 10) emulated seconds: 5 s at ×20 is a quarter second.
  emulator = await startEmulator({ timeScale: 20 });
  downloadDir = mkdtempSync(join(tmpdir(), "pcap-quickstart-"));
});
afterEach(async () => {
  await emulator.close();
  rmSync(downloadDir, { recursive: true, force: true });
});

it("up captures and downloads; a second up changes nothing; destroy leaves the emulator empty", async () => {
  const stack = exampleStack("quickstart", emulator, { timeLimit: "5", packetLimit: "50", downloadDir });
  try {
    const first = await stack.up(quickstart);
    expect(first.summary).toEqual({ create: 1 });
    const id = first.outputs.captureId as string;
    const pcapFile = join(downloadDir, `pcap_${id}.pcap`);
    expect(first.outputs).toEqual({
      captureId: id,
      status: "success",
      pcapFile,
      pcapBytes: expect.any(Number),
    });
    const pcap = readFileSync(pcapFile);
    expect(pcap.length).toBe(first.outputs.pcapBytes);
    expect(pcap.readUInt32BE(0).toString(16)).toMatch(/^(a1b2c3d4|d4c3b2a1)$/);
    expect(emulator.captures()).toEqual([expect.objectContaining({ id, type: "simple" })]);
    expect(emulator.requestedPacketLimit(id)).toBe(50);

    emulator.resetCounts();
    const second = await stack.up(quickstart);
    expect(second.changed).toBe(false);
    expect(second.outputs).toEqual(first.outputs);
    expect(totalRequests(emulator)).toBe(0); // the file is already there: not downloaded again

    expect((await stack.destroy()).summary).toEqual({ delete: 1 });
    expect(stack.state.resources).toEqual([]);
    expect(await emulatorIsEmpty(emulator)).toEqual({ ownerships: [], activeCaptures: [] });
  } finally {
    await stack.close();
  }
});
