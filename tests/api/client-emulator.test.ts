/**
 * The client against the emulator over real HTTP: every endpoint, every error status a client can
 * provoke, retries on injected faults, the rate limiter against the server's lockout, streamed downloads.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import {
  PcapApiError,
  PcapClient,
  PcapConflictError,
  PcapCredentialsError,
  PcapInvalidRequestError,
  PcapNotFoundError,
  PcapRateLimitedError,
  PcapRequestMaybeAppliedError,
  PcapRouteError,
  type PcapClientOptions,
  type SimpleCaptureRequest,
} from "../../client";

const simple: SimpleCaptureRequest = {
  type: "simple",
  system: "magic-transit",
  timeLimit: 10,
  packetLimit: 50,
  filter: { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 },
};
const DEST = "s3://pcap-bucket?region=us-east-1";

let emulator: EmulatorHandle;
let client: PcapClient;
let workDir: string;

function clientFor(emu: EmulatorHandle, options: Partial<PcapClientOptions> = {}): PcapClient {
  return new PcapClient({
    credentials: { apiToken: emu.token },
    baseUrl: emu.url,
    // A budget per test run: every client of one credential shares it.
    rateLimit: "10000/1",
    retry: { baseDelayMs: 5, maxDelayMs: 50, deadlineMs: 10_000 },
    ...options,
  });
}

async function expectApiError(
  promise: Promise<unknown>,
  status: number,
  code: number,
  meaning: typeof PcapApiError,
): Promise<PcapApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PcapApiError);
  expect(err).toBeInstanceOf(meaning);
  const apiError = err as PcapApiError;
  expect({ status: apiError.status, codes: apiError.codes }).toEqual({
    status,
    codes: expect.arrayContaining([code]),
  });
  expect(apiError.message).not.toContain(emulator.token);
  return apiError;
}

beforeEach(async () => {
  emulator = await startEmulator({ simpleCaptureIntervalSeconds: 0 });
  client = clientFor(emulator);
  workDir = mkdtempSync(join(tmpdir(), "pcap-client-"));
});

afterEach(async () => {
  await client.close();
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe("every endpoint", () => {
  it("simple capture: create → list → get → (done) → download to a file and to a stream", async () => {
    const created = await client.createCapture(emulator.accountId, simple);
    expect(created).toMatchObject({ type: "simple", status: "pending", timeLimit: 10 });
    // The API never reports the packet limit; the emulator says what the capture was made with.
    expect(created).not.toHaveProperty("packetLimit");
    expect(emulator.requestedPacketLimit(created.id)).toBe(50);
    expect(created.filter).toEqual(simple.filter);
    expect(await client.listCaptures(emulator.accountId)).toEqual([
      expect.objectContaining({ id: created.id }),
    ]);

    await expectApiError(
      client.downloadCapture(emulator.accountId, created.id, join(workDir, "early.pcap")),
      400,
      1301,
      PcapInvalidRequestError,
    );
    expect(readdirSync(workDir)).toEqual([]); // nothing half-written

    await emulator.advance(15);
    expect((await client.getCapture(emulator.accountId, created.id)).status).toBe("success");

    const progress: number[] = [];
    const target = join(workDir, "nested", "dir", "edge.pcap");
    const toFile = await client.downloadCapture(emulator.accountId, created.id, target, {
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(toFile.packets).toBeGreaterThan(0);
    expect(toFile.packets).toBeLessThanOrEqual(50);
    const bytes = readFileSync(target);
    expect(bytes.length).toBe(toFile.bytes);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(progress.at(-1)).toBe(toFile.bytes);

    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const toStream = await client.downloadCapture(emulator.accountId, created.id, sink);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(toStream).toEqual({ bytes: toFile.bytes, packets: toFile.packets });
  });

  it("ownership: add → list → validate (wrong, then right) → full capture → stop → delete", async () => {
    const added = await client.addOwnership(emulator.accountId, DEST);
    expect(added).toMatchObject({ destinationConf: DEST, status: "pending" });
    expect(added.filename).toMatch(/^ownership-challenge-[0-9a-f]+\.txt$/);
    expect(added).not.toHaveProperty("validated"); // "" on the wire means not validated
    expect(await client.listOwnerships(emulator.accountId)).toEqual([added]);

    const wrong = await client.validateOwnership(emulator.accountId, DEST, "not-the-token");
    expect(wrong.status).toBe("failed");
    const right = await client.validateOwnership(emulator.accountId, DEST, emulator.readChallenge(DEST));
    expect(right.status).toBe("success");
    expect(right.validated).toEqual(expect.any(String));

    const full = await client.createCapture(emulator.accountId, {
      type: "full",
      system: "magic-transit",
      timeLimit: 600,
      coloName: "ord02",
      destinationConf: DEST,
      byteLimit: 1_000_000,
    });
    expect(full).toMatchObject({
      type: "full",
      coloName: "ord02",
      destinationConf: DEST,
      byteLimit: 1_000_000,
    });
    await emulator.advance(10);
    expect((await client.getCapture(emulator.accountId, full.id)).status).toBe("running");
    await expect(client.stopCapture(emulator.accountId, full.id)).resolves.toBeUndefined();
    const stopped = await client.getCapture(emulator.accountId, full.id);
    expect(stopped.stopRequested).toEqual(expect.any(String));
    await emulator.advance(30);
    expect((await client.getCapture(emulator.accountId, full.id)).status).toBe("success");
    // One file per edge server: pcap_<id>_<server>.pcap.
    expect(readdirSync(emulator.bucketDirectory(DEST))).toContainEqual(
      expect.stringMatching(new RegExp(`^pcap_${full.id}_.+\\.pcap$`)),
    );

    await expect(client.deleteOwnership(emulator.accountId, added.id)).resolves.toBeUndefined();
    expect(await client.listOwnerships(emulator.accountId)).toEqual([]);
  });
});

describe("error statuses", () => {
  it("400 with the offending field, for a request the API refuses", async () => {
    const err = await expectApiError(
      client.createCapture(emulator.accountId, { ...simple, timeLimit: 301 }),
      400,
      1102,
      PcapInvalidRequestError,
    );
    expect(err.errors[0].pointer).toBe("/time_limit");
    expect(err.message).toMatch(/\[at \/time_limit\] \(code 1102, HTTP 400\)\. Correct the request/);
  });

  it("400 for a full capture into a bucket that is not validated", async () => {
    await client.addOwnership(emulator.accountId, DEST);
    await expectApiError(
      client.createCapture(emulator.accountId, {
        type: "full",
        system: "magic-transit",
        timeLimit: 60,
        coloName: "ord02",
        destinationConf: DEST,
      }),
      400,
      1202,
      PcapInvalidRequestError,
    );
  });

  it("403 for another account with a valid token, and for an unknown token", async () => {
    const otherAccount = randomBytes(16).toString("hex");
    const err = await expectApiError(client.listCaptures(otherAccount), 403, 10000, PcapCredentialsError);
    expect(err.message).toMatch(/Check that the credentials can use this account/);
    const stranger = clientFor(emulator, { credentials: { apiToken: "x".repeat(40) } });
    await expectApiError(stranger.listCaptures(emulator.accountId), 403, 10000, PcapCredentialsError);
    await stranger.close();
  });

  it("400 6003 for malformed legacy credentials, with the way to fix them", async () => {
    const legacy = clientFor(emulator, { credentials: { email: "not-an-email", apiKey: "short" } });
    const err = await expectApiError(
      legacy.listCaptures(emulator.accountId),
      400,
      6003,
      PcapCredentialsError,
    );
    expect(err.message).toMatch(/Check the credentials: an API token/);
    await legacy.close();
  });

  it("the email and global key work where they are valid", async () => {
    const legacy = clientFor(emulator, { credentials: { email: emulator.email, apiKey: emulator.apiKey } });
    await expect(legacy.listCaptures(emulator.accountId)).resolves.toEqual([]);
    await legacy.close();
  });

  it("404 7000 for a base URL that is not the API's: a wrong route, not a deleted object", async () => {
    const astray = clientFor(emulator, { baseUrl: `${emulator.url}/v4` });
    const err = await expectApiError(astray.listCaptures(emulator.accountId), 404, 7000, PcapRouteError);
    expect(err).not.toBeInstanceOf(PcapNotFoundError);
    expect(err.message).toMatch(/Check the account id \(32 hexadecimal characters\) and the API base URL\.$/);
    await astray.close();
  });

  it("404 for an unknown capture or ownership", async () => {
    const unknown = randomBytes(16).toString("hex");
    await expectApiError(client.getCapture(emulator.accountId, unknown), 404, 1300, PcapNotFoundError);
    await expectApiError(client.deleteOwnership(emulator.accountId, unknown), 404, 1205, PcapNotFoundError);
  });

  it("409 for a bucket registered twice and for a second active full capture", async () => {
    await client.addOwnership(emulator.accountId, DEST);
    await expectApiError(client.addOwnership(emulator.accountId, DEST), 409, 1203, PcapConflictError);
    await client.validateOwnership(emulator.accountId, DEST, emulator.readChallenge(DEST));
    const full = {
      type: "full",
      system: "magic-transit",
      timeLimit: 600,
      coloName: "ord02",
      destinationConf: DEST,
    } as const;
    await client.createCapture(emulator.accountId, full);
    await expectApiError(client.createCapture(emulator.accountId, full), 409, 1306, PcapConflictError);
  });

  it("429 for a second simple capture within the minute, past the caller's deadline", async () => {
    await emulator.close();
    emulator = await startEmulator({ simpleCaptureIntervalSeconds: 60 });
    await client.close();
    client = clientFor(emulator, { retry: { deadlineMs: 500 } });
    await client.createCapture(emulator.accountId, simple);
    const err = await expectApiError(
      client.createCapture(emulator.accountId, simple),
      429,
      1305,
      PcapRateLimitedError,
    );
    expect(err.retryAfterSeconds).toBeGreaterThan(50);
    expect(emulator.captures()).toHaveLength(1);
  });

  it("stop of a simple capture is refused (400)", async () => {
    const created = await client.createCapture(emulator.accountId, simple);
    await expectApiError(
      client.stopCapture(emulator.accountId, created.id),
      400,
      1303,
      PcapInvalidRequestError,
    );
  });
});

describe("faults", () => {
  it("reads retry through 500s, 503s and resets until they succeed", async () => {
    await client.addOwnership(emulator.accountId, DEST);
    emulator.setFaults({ seed: "reads", errorRate: 0.3, resetRate: 0.2 });
    for (let i = 0; i < 20; i++) {
      expect(await client.listOwnerships(emulator.accountId)).toHaveLength(1);
    }
    const statuses = emulator.statusCounts();
    expect((statuses["500"] ?? 0) + (statuses["503"] ?? 0) + (statuses.reset ?? 0)).toBeGreaterThan(0);
  });

  it("a create whose answer is dropped is reported as maybe-applied, never sent twice", async () => {
    emulator.setFaults({ dropAfterApplyRate: 1 });
    const err = await client.createCapture(emulator.accountId, simple).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcapRequestMaybeAppliedError);
    expect(emulator.requestCounts()["POST /pcaps"]).toBe(1);
    emulator.setFaults({ dropAfterApplyRate: 0 });
    expect(await client.listCaptures(emulator.accountId)).toHaveLength(1); // it was applied
  });
});

describe("rate limits", () => {
  it("the client's budget keeps a burst under the server's limit: zero 429s served", async () => {
    emulator.setRateLimit("20/1");
    const limited = clientFor(emulator, { rateLimit: "20/1" });
    const started = Date.now();
    await Promise.all(Array.from({ length: 50 }, () => limited.listCaptures(emulator.accountId)));
    await limited.close();
    expect(emulator.statusCounts()["429"] ?? 0).toBe(0);
    expect(emulator.statusCounts()["200"]).toBe(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // 50 requests at 20/s need two windows
  });

  it("above the server's limit, the lockout's retry-after is waited out and everything completes", async () => {
    emulator.setRateLimit("10/1");
    const eager = clientFor(emulator, {
      credentials: { email: emulator.email, apiKey: emulator.apiKey },
      rateLimit: "1000/1",
    });
    const results = await Promise.all(
      Array.from({ length: 25 }, () => eager.listCaptures(emulator.accountId)),
    );
    await eager.close();
    expect(results).toHaveLength(25);
    expect(emulator.statusCounts()["429"]).toBeGreaterThan(0);
    expect(emulator.statusCounts()["200"]).toBe(25);
  });
});

it("downloads stream: a 64 MB capture arrives without the heap growing by its size", async () => {
  emulator.setDownloadSize({ bytes: 64 * 1024 * 1024 });
  const created = await client.createCapture(emulator.accountId, simple);
  await emulator.advance(15);
  let peak = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const sink = new Writable({
    write(_chunk: Buffer, _e, cb) {
      peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
      cb();
    },
  });
  const result = await client.downloadCapture(emulator.accountId, created.id, sink);
  expect(result.bytes).toBeGreaterThan(63 * 1024 * 1024);
  expect(peak).toBeLessThan(32 * 1024 * 1024);
});

it("an aborted download rejects and leaves no file behind", async () => {
  emulator.setDownloadSize({ bytes: 32 * 1024 * 1024 });
  const created = await client.createCapture(emulator.accountId, simple);
  await emulator.advance(15);
  const controller = new AbortController();
  const target = join(workDir, "aborted.pcap");
  const download = client.downloadCapture(emulator.accountId, created.id, target, {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.bytes > 1024 * 1024) controller.abort();
    },
  });
  await expect(download).rejects.toThrow();
  expect(readdirSync(workDir)).toEqual([]);
});
