import { api, closeAll, emulator, errorCode, fullBody, SIMPLE, validatedBucket } from "./helpers";

afterEach(closeAll);

describe("request bodies", () => {
  test("malformed JSON is a 400 envelope (1002)", async () => {
    const h = await emulator();
    const res = await api(h, "POST", "", { raw: '{"type": "simple",' });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(errorCode(res)).toBe(1002);
  });

  test("a body that is not an object, or no body, is 400 (1005)", async () => {
    const h = await emulator();
    expect(errorCode(await api(h, "POST", "", { raw: "[1,2]" }))).toBe(1005);
    expect(errorCode(await api(h, "POST", "", { raw: "null" }))).toBe(1005);
    const none = await api(h, "POST", "/ownership");
    expect(none.status).toBe(400);
    expect(errorCode(none)).toBe(1005);
  });

  test("a non-JSON content type on a POST body is 415 (1003)", async () => {
    const h = await emulator();
    const res = await api(h, "POST", "", { raw: JSON.stringify(SIMPLE), contentType: "text/plain" });
    expect(res.status).toBe(415);
    expect(errorCode(res)).toBe(1003);
    const ok = await api(h, "POST", "", {
      raw: JSON.stringify(SIMPLE),
      contentType: "application/json; charset=utf-8",
    });
    expect(ok.status).toBe(200);
  });

  test("a body over 64 KiB is 413 (1004), declared or streamed", async () => {
    const h = await emulator();
    const big = JSON.stringify({ ...SIMPLE, padding: "x".repeat(70 * 1024) });
    const res = await api(h, "POST", "", { raw: big });
    expect(res.status).toBe(413);
    expect(errorCode(res)).toBe(1004);
    // Chunked (no content-length): the cap applies while reading.
    const chunks = [big.slice(0, 40000), big.slice(40000)];
    const stream = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const chunked = await fetch(`${h.url}/accounts/${h.accountId}/pcaps`, {
      method: "POST",
      headers: { authorization: `Bearer ${h.token}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // The emulator is still fine afterwards.
    expect((await api(h, "GET", "")).status).toBe(200);
  });

  test("deeply nested JSON does not crash it", async () => {
    const h = await emulator();
    const depth = 30000;
    const deep = `{"system":"magic-transit","type":"simple","time_limit":5,"packet_limit":5,"junk":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const res = await api(h, "POST", "", { raw: deep });
    expect(res.status).toBe(200);
    const deepFilter = `{"system":"magic-transit","type":"simple","time_limit":5,"packet_limit":5,"filter_v1":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`;
    expect((await api(h, "POST", "", { raw: deepFilter })).status).toBe(429);
    expect((await api(h, "GET", "")).status).toBe(200);
  });

  test("unknown fields are ignored", async () => {
    const h = await emulator();
    const res = await api(h, "POST", "", {
      body: { ...SIMPLE, surprise: { nested: true }, id: "f".repeat(32) },
    });
    expect(res.status).toBe(200);
    expect(res.json?.result).not.toHaveProperty("surprise");
    expect((res.json?.result as { id: string }).id).not.toBe("f".repeat(32));
  });
});

describe("capture validation", () => {
  const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();
  const cases: [string, Record<string, unknown>, string, number][] = [
    ["system missing", { type: "simple", time_limit: 5, packet_limit: 5 }, "/system", 1101],
    ["system wrong", { ...SIMPLE, system: "magic-wan" }, "/system", 1102],
    ["type missing", { system: "magic-transit", time_limit: 5, packet_limit: 5 }, "/type", 1101],
    ["type wrong", { ...SIMPLE, type: "sampled" }, "/type", 1102],
    ["time_limit missing", { ...SIMPLE, time_limit: undefined }, "/time_limit", 1101],
    ["time_limit 0", { ...SIMPLE, time_limit: 0 }, "/time_limit", 1102],
    ["time_limit 301 simple", { ...SIMPLE, time_limit: 301 }, "/time_limit", 1102],
    ["time_limit fractional", { ...SIMPLE, time_limit: 1.5 }, "/time_limit", 1102],
    ["time_limit string", { ...SIMPLE, time_limit: "60" }, "/time_limit", 1102],
    ["packet_limit missing on simple", { ...SIMPLE, packet_limit: undefined }, "/packet_limit", 1101],
    ["packet_limit 0", { ...SIMPLE, packet_limit: 0 }, "/packet_limit", 1102],
    ["packet_limit 10001", { ...SIMPLE, packet_limit: 10001 }, "/packet_limit", 1102],
    ["filter not object", { ...SIMPLE, filter_v1: "tcp" }, "/filter_v1", 1102],
    ["filter array", { ...SIMPLE, filter_v1: [] }, "/filter_v1", 1102],
    [
      "bad source_address",
      { ...SIMPLE, filter_v1: { source_address: "300.1.1.1" } },
      "/filter_v1/source_address",
      1102,
    ],
    [
      "ipv6 destination_address",
      { ...SIMPLE, filter_v1: { destination_address: "::1" } },
      "/filter_v1/destination_address",
      1102,
    ],
    ["port 65536", { ...SIMPLE, filter_v1: { source_port: 65536 } }, "/filter_v1/source_port", 1102],
    ["port -1", { ...SIMPLE, filter_v1: { destination_port: -1 } }, "/filter_v1/destination_port", 1102],
    ["protocol 256", { ...SIMPLE, filter_v1: { protocol: 256 } }, "/filter_v1/protocol", 1102],
    ["protocol fractional", { ...SIMPLE, filter_v1: { protocol: 6.5 } }, "/filter_v1/protocol", 1102],
    ["offset_time not RFC 3339", { ...SIMPLE, offset_time: "yesterday" }, "/offset_time", 1102],
    [
      "offset_time older than 24h",
      { ...SIMPLE, offset_time: new Date(Date.now() - 25 * 3600_000).toISOString() },
      "/offset_time",
      1102,
    ],
    [
      "offset_time in the future",
      { ...SIMPLE, offset_time: new Date(Date.now() + 3600_000).toISOString() },
      "/offset_time",
      1102,
    ],
    ["colo_name on simple", { ...SIMPLE, colo_name: "ord02" }, "/colo_name", 1103],
    ["destination_conf on simple", { ...SIMPLE, destination_conf: "s3://bucket" }, "/destination_conf", 1103],
    ["byte_limit on simple", { ...SIMPLE, byte_limit: 100 }, "/byte_limit", 1103],
    ["offset_time on full", fullBody("s3://bucket", { offset_time: hourAgo() }), "/offset_time", 1103],
    ["colo_name missing on full", fullBody("s3://bucket", { colo_name: undefined }), "/colo_name", 1101],
    ["colo_name odd", fullBody("s3://bucket", { colo_name: "ord 02" }), "/colo_name", 1102],
    [
      "destination_conf missing on full",
      fullBody("s3://bucket", { destination_conf: undefined }),
      "/destination_conf",
      1101,
    ],
    ["destination_conf not a URI", fullBody("https://bucket"), "/destination_conf", 1201],
    ["destination_conf traversal", fullBody("s3://bucket/../../etc"), "/destination_conf", 1201],
    ["time_limit 86401 full", fullBody("s3://bucket", { time_limit: 86401 }), "/time_limit", 1102],
    ["byte_limit 0", fullBody("s3://bucket", { byte_limit: 0 }), "/byte_limit", 1102],
    ["byte_limit 1e9+1", fullBody("s3://bucket", { byte_limit: 1_000_000_001 }), "/byte_limit", 1102],
    ["packet_limit 10001 full", fullBody("s3://bucket", { packet_limit: 10001 }), "/packet_limit", 1102],
  ];

  test.each(cases)("%s → 400 pointing at the field", async (_name, body, pointer, code) => {
    const h = await emulator();
    const res = await api(h, "POST", "", { body });
    expect(res.status).toBe(400);
    const error = res.json?.errors.find((e) => e.source?.pointer === pointer);
    expect(error).toBeDefined();
    expect(error?.code).toBe(code);
    const field = pointer.split("/").pop() as string;
    expect(error?.message).toContain(field);
    expect(h.captures()).toHaveLength(0);
  });

  test("every invalid field is reported at once", async () => {
    const h = await emulator();
    const res = await api(h, "POST", "", {
      body: { system: "magic-transit", type: "simple", time_limit: 0, filter_v1: { protocol: -1 } },
    });
    expect(res.json?.errors.map((e) => e.source?.pointer).sort()).toEqual([
      "/filter_v1/protocol",
      "/packet_limit",
      "/time_limit",
    ]);
  });

  test("boundaries are accepted: full time_limit 86400, byte_limit 1e9, ports 0/65535, protocol 0/255", async () => {
    const h = await emulator({ simpleCaptureIntervalSeconds: 0 });
    await validatedBucket(h, "s3://bucket?region=us-east-1");
    const full = await api(h, "POST", "", {
      body: fullBody("s3://bucket?region=us-east-1", {
        time_limit: 86400,
        byte_limit: 1e9,
        packet_limit: 10000,
      }),
    });
    expect(full.status).toBe(200);
    for (const filter of [
      { source_port: 0, destination_port: 65535, protocol: 6 },
      { protocol: 0 },
      { protocol: 255 },
    ]) {
      expect(
        (
          await api(h, "POST", "", {
            body: { ...SIMPLE, time_limit: 300, packet_limit: 1, filter_v1: filter },
          })
        ).status,
      ).toBe(200);
    }
    const offset = new Date(Date.now() - 23 * 3600_000).toISOString().replace("Z", "+00:00");
    const withOffset = await api(h, "POST", "", { body: { ...SIMPLE, offset_time: offset } });
    expect(withOffset.status).toBe(200);
    expect((withOffset.json?.result as { offset_time: string }).offset_time).toBe(offset);
  });

  test("null optionals count as absent", async () => {
    const h = await emulator();
    const res = await api(h, "POST", "", {
      body: { ...SIMPLE, filter_v1: null, offset_time: null, byte_limit: null },
    });
    expect(res.status).toBe(200);
  });
});
