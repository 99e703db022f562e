import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { EmulatorHandle } from "../../emulator";
import {
  api,
  closeAll,
  countPackets,
  downloadBytes,
  emulator,
  errorCode,
  fullBody,
  result,
  SIMPLE,
  validatedBucket,
} from "./helpers";

afterEach(closeAll);

/** Real time barely moves this clock, so exact packet counts and phase boundaries do not race it. */
const FROZEN = { timeScale: 1e-6 };

interface Capture {
  id: string;
  status: string;
  type: string;
  packets_captured?: number;
  stop_requested?: string;
  error_message?: string;
  [key: string]: unknown;
}

const DEST = "s3://pcaps-bucket/edge?region=us-east-1";

function pcapHeader(bytes: Buffer) {
  return {
    magic: bytes.readUInt32LE(0),
    major: bytes.readUInt16LE(4),
    minor: bytes.readUInt16LE(6),
    snaplen: bytes.readUInt32LE(16),
    linktype: bytes.readUInt32LE(20),
  };
}

/** A full capture's files in its bucket: `pcap_<id>_<server>.pcap`, one per edge server. */
function captureFiles(h: EmulatorHandle, id: string): string[] {
  const dir = h.bucketDirectory(DEST);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(`pcap_${id}_`) && f.endsWith(".pcap"))
    .map((f) => join(dir, f));
}

describe("simple captures", () => {
  test("create answers 200 with the simple fields; pending → success after min(time_limit, 10) s", async () => {
    const h = await emulator(FROZEN);
    const res = await api(h, "POST", "", {
      body: { ...SIMPLE, time_limit: 30, filter_v1: { protocol: 6, destination_port: 443 } },
    });
    expect(res.status).toBe(200);
    const c = result<Capture>(res);
    expect(c).toMatchObject({
      type: "simple",
      system: "magic-transit",
      time_limit: 30,
      status: "pending",
      filter_v1: { protocol: 6, destination_port: 443 },
    });
    expect(c.id).toMatch(/^[0-9a-f]{32}$/);
    expect(c.offset_time).toBe(c.submitted);
    for (const absent of [
      "colo_name",
      "destination_conf",
      "byte_limit",
      "packets_captured",
      "stop_requested",
      "error_message",
      "packet_limit",
    ]) {
      expect(c).not.toHaveProperty(absent);
    }
    // Kept, used for the download, never echoed: only the handle can tell.
    expect(h.requestedPacketLimit(c.id)).toBe(100);
    await h.advance(9);
    expect(result<Capture>(await api(h, "GET", `/${c.id}`)).status).toBe("pending");
    await h.advance(1);
    expect(result<Capture>(await api(h, "GET", `/${c.id}`)).status).toBe("success");
  });

  test("a short time_limit finishes sooner", async () => {
    const h = await emulator(FROZEN);
    const c = result<Capture>(await api(h, "POST", "", { body: { ...SIMPLE, time_limit: 3 } }));
    await h.advance(3);
    expect(h.captures()[0]).toMatchObject({ id: c.id, status: "success" });
  });

  test("download streams a classic pcap with the right headers and at most packet_limit packets", async () => {
    const h = await emulator(FROZEN);
    const c = result<Capture>(
      await api(h, "POST", "", { body: { ...SIMPLE, time_limit: 5, packet_limit: 50 } }),
    );
    const early = await api(h, "GET", `/${c.id}/download`);
    expect(early.status).toBe(400);
    expect(errorCode(early)).toBe(1301);
    expect(early.headers.get("content-type")).toBe("application/json");
    await h.advance(5);
    const res = await fetch(`${h.url}/accounts/${h.accountId}/pcaps/${c.id}/download`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.tcpdump.pcap");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="pcap_${c.id}.pcap"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(pcapHeader(bytes)).toEqual({ magic: 0xa1b2c3d4, major: 2, minor: 4, snaplen: 160, linktype: 1 });
    let packets = 0;
    for (let offset = 24; offset < bytes.length; packets++) {
      const incl = bytes.readUInt32LE(offset + 8);
      expect(incl).toBeLessThanOrEqual(160);
      offset += 16 + incl;
    }
    expect(packets).toBe(50);
    // Deterministic: same capture, same bytes.
    expect((await downloadBytes(h, c.id)).equals(bytes)).toBe(true);
  });

  test("the download size knobs make large files by streaming", async () => {
    const h = await emulator({ ...FROZEN, downloadBytes: 8 * 1024 * 1024 });
    const c = result<Capture>(
      await api(h, "POST", "", { body: { ...SIMPLE, time_limit: 1, packet_limit: 1 } }),
    );
    await h.advance(1);
    const res = await fetch(`${h.url}/accounts/${h.accountId}/pcaps/${c.id}/download`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    // Exact, or short by less than one record when 160-byte records cannot fill the last bytes.
    const size = (await res.arrayBuffer()).byteLength;
    expect(size).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(size).toBeGreaterThan(8 * 1024 * 1024 - (16 + 160));
    h.setDownloadSize({ packetCount: 1000 });
    expect(countPackets(await downloadBytes(h, c.id))).toBe(1000);
  });

  test("a filter nothing can match ends failed, without error_message (simple declares none); download is 400 (1307)", async () => {
    const h = await emulator(FROZEN);
    const c = result<Capture>(
      await api(h, "POST", "", { body: { ...SIMPLE, filter_v1: { protocol: 1, destination_port: 80 } } }),
    );
    await h.advance(10);
    const got = result<Capture>(await api(h, "GET", `/${c.id}`));
    expect(got.status).toBe("failed");
    expect(got).not.toHaveProperty("error_message");
    const download = await api(h, "GET", `/${c.id}/download`);
    expect(errorCode(download)).toBe(1307);
    expect(download.json?.errors[0].message).toMatch(/no packets matched/);
  });

  test("one simple capture per minute per account: 429 (1305) with retry-after in real seconds", async () => {
    // retry-after is in real seconds: ~60 emulated seconds left at 10 per real second → 6.
    const fast = await emulator({ timeScale: 10 });
    expect((await api(fast, "POST", "", { body: SIMPLE })).status).toBe(200);
    const limited = await api(fast, "POST", "", { body: SIMPLE });
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe(1305);
    expect(Number(limited.headers.get("retry-after"))).toBe(6);

    // The minute itself, on a frozen clock so that real time (a loaded CI machine) cannot move it.
    const h = await emulator(FROZEN);
    expect((await api(h, "POST", "", { body: SIMPLE })).status).toBe(200);
    await h.advance(59);
    const stillLimited = await api(h, "POST", "", { body: SIMPLE });
    expect(stillLimited.status).toBe(429);
    expect(errorCode(stillLimited)).toBe(1305);
    await h.advance(1);
    expect((await api(h, "POST", "", { body: SIMPLE })).status).toBe(200);
    expect(h.captures()).toHaveLength(2);
  });

  test("the interval is configurable", async () => {
    const h = await emulator({ ...FROZEN, simpleCaptureIntervalSeconds: 5 });
    await api(h, "POST", "", { body: SIMPLE });
    expect((await api(h, "POST", "", { body: SIMPLE })).status).toBe(429);
    await h.advance(5);
    expect((await api(h, "POST", "", { body: SIMPLE })).status).toBe(200);
  });

  test("stopping a simple capture is 400 (1303)", async () => {
    const h = await emulator(FROZEN);
    const c = result<Capture>(await api(h, "POST", "", { body: SIMPLE }));
    const res = await api(h, "PUT", `/${c.id}/stop`);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe(1303);
  });
});

describe("full captures", () => {
  test("full into an unregistered or unvalidated bucket is 400 (1202)", async () => {
    const h = await emulator(FROZEN);
    const res = await api(h, "POST", "", { body: fullBody(DEST) });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe(1202);
    expect(res.json?.errors[0].source?.pointer).toBe("/destination_conf");
    await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    expect(errorCode(await api(h, "POST", "", { body: fullBody(DEST) }))).toBe(1202);
    await api(h, "POST", "/ownership/validate", {
      body: { destination_conf: DEST, ownership_challenge: "wrong" },
    });
    expect(errorCode(await api(h, "POST", "", { body: fullBody(DEST) }))).toBe(1202);
    // Exact string match: the same bucket spelled differently is another destination.
    await api(h, "POST", "/ownership/validate", {
      body: { destination_conf: DEST, ownership_challenge: h.readChallenge(DEST) },
    });
    expect(
      errorCode(await api(h, "POST", "", { body: fullBody("s3://pcaps-bucket/edge?region=eu-west-1") })),
    ).toBe(1202);
    expect((await api(h, "POST", "", { body: fullBody(DEST) })).status).toBe(200);
  });

  test("lifecycle pending → running → conversion_pending → conversion_running → success, file written", async () => {
    const h = await emulator(FROZEN);
    await validatedBucket(h, DEST);
    const res = await api(h, "POST", "", {
      body: fullBody(DEST, { time_limit: 30, packet_limit: 1000, filter_v1: { protocol: 17 } }),
    });
    const c = result<Capture>(res);
    expect(c).toMatchObject({
      type: "full",
      status: "pending",
      colo_name: "ord02",
      destination_conf: DEST,
      packets_captured: 0,
    });
    expect(c).not.toHaveProperty("packet_limit");
    expect(h.requestedPacketLimit(c.id)).toBe(1000);
    expect(c).not.toHaveProperty("offset_time");
    expect(c).not.toHaveProperty("byte_limit");
    expect(c).not.toHaveProperty("stop_requested");
    const status = async () => result<Capture>(await api(h, "GET", `/${c.id}`));
    await h.advance(5);
    expect(await status()).toMatchObject({ status: "running", packets_captured: 0 });
    await h.advance(10);
    expect(await status()).toMatchObject({ status: "running", packets_captured: 100 });
    await h.advance(20);
    expect(await status()).toMatchObject({ status: "conversion_pending", packets_captured: 300 });
    await h.advance(5);
    expect((await status()).status).toBe("conversion_running");
    expect(captureFiles(h, c.id)).toEqual([]);
    await h.advance(5);
    const files = captureFiles(h, c.id);
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.length).toBeLessThanOrEqual(6);
    expect(await status()).toMatchObject({ status: "success", packets_captured: 300 });
    for (const file of files) {
      expect(pcapHeader(readFileSync(file))).toMatchObject({
        magic: 0xa1b2c3d4,
        snaplen: 65535,
        linktype: 1,
      });
    }
    expect(files.reduce((sum, file) => sum + countPackets(readFileSync(file)), 0)).toBe(300);
    // No stray temp files beside it.
    expect(readdirSync(h.bucketDirectory(DEST)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const download = await api(h, "GET", `/${c.id}/download`);
    expect(download.status).toBe(400);
    expect(errorCode(download)).toBe(1302);
    expect(download.json?.errors[0].message).toMatch(/bucket in destination_conf/);
  });

  test("the file appears without any request at timeScale (background sweep)", async () => {
    const h = await emulator({ timeScale: 200 });
    await validatedBucket(h, DEST);
    const c = result<Capture>(await api(h, "POST", "", { body: fullBody(DEST, { time_limit: 5 }) }));
    const deadline = Date.now() + 5000;
    while (captureFiles(h, c.id).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(captureFiles(h, c.id).length).toBeGreaterThan(0);
  });

  test("packet_limit and byte_limit end collecting early", async () => {
    const h = await emulator(FROZEN);
    await validatedBucket(h, DEST);
    const c = result<Capture>(
      await api(h, "POST", "", { body: fullBody(DEST, { time_limit: 3600, packet_limit: 20 }) }),
    );
    await h.advance(5 + 2);
    expect(result<Capture>(await api(h, "GET", `/${c.id}`))).toMatchObject({
      status: "conversion_pending",
      packets_captured: 20,
    });
    await h.advance(10);
    const c2 = result<Capture>(
      await api(h, "POST", "", { body: fullBody(DEST, { time_limit: 3600, byte_limit: 5000 }) }),
    );
    expect(c2.byte_limit).toBe(5000);
    await h.advance(5 + 1);
    expect(result<Capture>(await api(h, "GET", `/${c2.id}`))).toMatchObject({
      status: "conversion_pending",
      packets_captured: 5,
    });
  });

  test("one active full capture per account: 409 (1306) until it converts", async () => {
    const h = await emulator(FROZEN);
    await validatedBucket(h, DEST);
    const first = result<Capture>(await api(h, "POST", "", { body: fullBody(DEST, { time_limit: 60 }) }));
    const second = await api(h, "POST", "", { body: fullBody(DEST) });
    expect(second.status).toBe(409);
    expect(errorCode(second)).toBe(1306);
    await h.advance(30);
    expect((await api(h, "POST", "", { body: fullBody(DEST) })).status).toBe(409);
    // Simple captures are not blocked by a full one.
    expect((await api(h, "POST", "", { body: SIMPLE })).status).toBe(200);
    await h.advance(35);
    expect(result<Capture>(await api(h, "GET", `/${first.id}`)).status).toBe("conversion_pending");
    expect((await api(h, "POST", "", { body: fullBody(DEST) })).status).toBe(200);
  });

  test("stop: 204 no body, sets stop_requested, then converts to success; stopping again is 400 (1304)", async () => {
    const h = await emulator(FROZEN);
    await validatedBucket(h, DEST);
    const c = result<Capture>(await api(h, "POST", "", { body: fullBody(DEST, { time_limit: 86400 }) }));
    await h.advance(5 + 4);
    const res = await fetch(`${h.url}/accounts/${h.accountId}/pcaps/${c.id}/stop`, {
      method: "PUT",
      headers: { authorization: `Bearer ${h.token}` },
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const stopped = result<Capture>(await api(h, "GET", `/${c.id}`));
    expect(stopped).toMatchObject({ status: "conversion_pending", packets_captured: 40 });
    const stoppedAfter = Date.parse(stopped.stop_requested as string) - Date.parse(c.submitted as string);
    expect(stoppedAfter).toBe(9000);
    const again = await api(h, "PUT", `/${c.id}/stop`);
    expect(again.status).toBe(400);
    expect(errorCode(again)).toBe(1304);
    await h.advance(10);
    expect(result<Capture>(await api(h, "GET", `/${c.id}`))).toMatchObject({
      status: "success",
      packets_captured: 40,
    });
    expect(captureFiles(h, c.id).length).toBeGreaterThan(0);
  });

  test("stop while pending works too", async () => {
    const h = await emulator(FROZEN);
    await validatedBucket(h, DEST);
    const c = result<Capture>(await api(h, "POST", "", { body: fullBody(DEST) }));
    expect((await api(h, "PUT", `/${c.id}/stop`)).status).toBe(204);
    await h.advance(10);
    expect(result<Capture>(await api(h, "GET", `/${c.id}`))).toMatchObject({
      status: "success",
      packets_captured: 0,
    });
  });

  test("failed when the bucket directory is gone at write time", async () => {
    const h = await emulator(FROZEN);
    await validatedBucket(h, DEST);
    const c = result<Capture>(await api(h, "POST", "", { body: fullBody(DEST, { time_limit: 10 }) }));
    rmSync(join(h.dataDir, "buckets", "s3", "pcaps-bucket"), { recursive: true });
    await h.advance(25);
    const got = result<Capture>(await api(h, "GET", `/${c.id}`));
    expect(got.status).toBe("failed");
    expect(got.error_message).toMatch(/bucket does not exist/);
    expect(existsSync(join(h.dataDir, "buckets", "s3", "pcaps-bucket"))).toBe(false);
  });

  test("failed when the ownership was deleted (or invalidated) before the write", async () => {
    const h = await emulator(FROZEN);
    const o = await validatedBucket(h, DEST);
    const c = result<Capture>(await api(h, "POST", "", { body: fullBody(DEST, { time_limit: 10 }) }));
    expect((await api(h, "DELETE", `/ownership/${o.id as string}`)).status).toBe(204);
    await h.advance(25);
    const got = result<Capture>(await api(h, "GET", `/${c.id}`));
    expect(got).toMatchObject({ status: "failed" });
    expect(got.error_message).toMatch(/ownership/);
  });

  test("failed when the filter can never match", async () => {
    const h = await emulator(FROZEN);
    await validatedBucket(h, DEST);
    const c = result<Capture>(
      await api(h, "POST", "", {
        body: fullBody(DEST, { time_limit: 10, filter_v1: { protocol: 1, source_port: 53 } }),
      }),
    );
    await h.advance(12);
    expect(result<Capture>(await api(h, "GET", `/${c.id}`))).toMatchObject({
      status: "running",
      packets_captured: 0,
    });
    await h.advance(13);
    expect(result<Capture>(await api(h, "GET", `/${c.id}`))).toMatchObject({
      status: "failed",
      packets_captured: 0,
    });
  });
});

describe("listing and lookup", () => {
  test("list is newest first and capped at 50 per account; older ones drop off (404 1300)", async () => {
    const h = await emulator({ ...FROZEN, simpleCaptureIntervalSeconds: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 53; i++) ids.push(result<Capture>(await api(h, "POST", "", { body: SIMPLE })).id);
    const list = await api(h, "GET", "");
    const listed = result<Capture[]>(list).map((c) => c.id);
    expect(listed).toHaveLength(50);
    expect(listed).toEqual(ids.slice(3).reverse());
    expect(list.json?.result_info).toMatchObject({ count: 50 });
    const gone = await api(h, "GET", `/${ids[0]}`);
    expect(gone.status).toBe(404);
    expect(errorCode(gone)).toBe(1300);
  });

  test("unknown ids are 404 on get, download and stop", async () => {
    const h = await emulator(FROZEN);
    for (const [method, path] of [
      ["GET", ""],
      ["GET", "/download"],
      ["PUT", "/stop"],
    ]) {
      const res = await api(h, method, `/${"c".repeat(32)}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(errorCode(res)).toBe(1300);
    }
  });

  test("deleteCaptureOutOfBand makes it vanish", async () => {
    const h = await emulator(FROZEN);
    const c = result<Capture>(await api(h, "POST", "", { body: SIMPLE }));
    expect(await h.deleteCaptureOutOfBand(c.id)).toBe(true);
    expect((await api(h, "GET", `/${c.id}`)).status).toBe(404);
  });
});
