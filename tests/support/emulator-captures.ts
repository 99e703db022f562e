/**
 * Finished captures in the emulator, for tests that save them: a simple capture ready to download, and a
 * full capture that has run and converted, its files (one per edge server) written into the bucket.
 */
import { PcapClient, type Capture } from "../../client";
import type { EmulatorHandle } from "../../emulator";

/**
 * Registers and validates `destination`, starts a full capture into it, lets it collect for 20 emulated
 * seconds, stops it and lets it convert. The emulator's clock must be manual (a tiny timeScale).
 */
export async function convertedFullCapture(
  emulator: EmulatorHandle,
  client: PcapClient,
  destination: string,
  limits: { packetLimit?: number } = {},
): Promise<Capture> {
  const account = emulator.accountId;
  await client.addOwnership(account, destination);
  await client.validateOwnership(account, destination, emulator.readChallenge(destination));
  const created = await client.createCapture(account, {
    type: "full",
    system: "magic-transit",
    timeLimit: 600,
    coloName: "ord02",
    destinationConf: destination,
    ...limits,
  });
  await emulator.advance(5 + 20); // pending, then 20 s of collecting
  await client.stopCapture(account, created.id);
  await emulator.advance(10); // conversion
  return client.getCapture(account, created.id);
}

/** A simple capture of `packetLimit` packets, finished (the emulator's clock must be manual). */
export async function finishedSimpleCapture(emulator: EmulatorHandle, packetLimit: number): Promise<Capture> {
  const client = new PcapClient({ credentials: { apiToken: emulator.token }, baseUrl: emulator.url });
  try {
    const capture = await client.createCapture(emulator.accountId, {
      type: "simple",
      system: "magic-transit",
      timeLimit: 5,
      packetLimit,
    });
    await emulator.advance(10);
    return capture;
  } finally {
    await client.close();
  }
}
