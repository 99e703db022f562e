/**
 * The client against a misbehaving API: retries, ambiguous failures, odd bodies, timeouts, and that no
 * credential ever reaches an error message.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  PcapApiError,
  PcapClient,
  PcapCredentialsError,
  PcapFormatError,
  PcapNetworkError,
  PcapRateLimitedError,
  PcapRequestMaybeAppliedError,
  PcapResponseError,
  PcapServerError,
  PcapUnavailableError,
  PcapUsageError,
  type ClientLogEvent,
} from "../../client";
import {
  fail,
  ok,
  raw,
  reset,
  silent,
  slowBody,
  startScriptedServer,
  type Handler,
  type ScriptedServer,
} from "../support/scripted-server";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const CAPTURE_ID = "fedcba9876543210fedcba9876543210";
const TOKEN = "tok-SECRET-4d1f0a9b8c7e6d5f4a3b2c1d0e9f8a7b";
const capture = {
  id: CAPTURE_ID,
  status: "pending",
  type: "simple",
  system: "magic-transit",
  time_limit: 10,
};
const simple = { type: "simple", system: "magic-transit", timeLimit: 10, packetLimit: 100 } as const;

let server: ScriptedServer | undefined;
let client: PcapClient | undefined;
const logs: ClientLogEvent[] = [];

async function setup(script: Handler[], options: Partial<ConstructorParameters<typeof PcapClient>[0]> = {}) {
  server = await startScriptedServer(script);
  client = new PcapClient({
    credentials: { apiToken: TOKEN },
    baseUrl: server.url,
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, deadlineMs: 5_000 },
    rateLimit: "10000/1",
    log: (e) => logs.push(e),
    ...options,
  });
  return { server, client };
}

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = server = undefined;
  logs.length = 0;
});

describe("retries", () => {
  it("retries a GET through 500, 503 and a reset, then succeeds", async () => {
    const { client, server } = await setup([
      fail(500, 1000, "boom"),
      fail(503, 1000, "busy"),
      reset,
      ok(capture),
    ]);
    await expect(client.getCapture(ACCOUNT, CAPTURE_ID)).resolves.toMatchObject({ id: CAPTURE_ID });
    expect(server.requests).toHaveLength(4);
    expect(logs.filter((l) => /retrying/.test(l.message))).toHaveLength(3);
  });

  it("gives up after maxAttempts with the last answer", async () => {
    const { client, server } = await setup([fail(502, 1000, "bad gateway")]);
    const err = await client.listCaptures(ACCOUNT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcapApiError);
    expect((err as PcapApiError).status).toBe(502);
    expect(err).toBeInstanceOf(PcapServerError);
    expect(err).not.toBeInstanceOf(PcapUnavailableError);
    expect(server.requests).toHaveLength(4);
  });

  it("retries a create after 503 (not processed) but not after 500 (may be applied)", async () => {
    const first = await setup([fail(503, 1000, "busy"), ok(capture)]);
    await expect(first.client.createCapture(ACCOUNT, simple)).resolves.toMatchObject({ id: CAPTURE_ID });
    expect(first.server.requests).toHaveLength(2);
    await first.client.close();
    await first.server.close();

    const second = await setup([fail(500, 1000, "internal"), ok(capture)]);
    const err = await second.client.createCapture(ACCOUNT, simple).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcapRequestMaybeAppliedError);
    expect((err as Error).message).toMatch(/may or may not have been applied.*list the existing objects/);
    expect(second.server.requests).toHaveLength(1);
  });

  it("does not resend a create whose connection dropped after sending", async () => {
    const { client, server } = await setup([reset, ok(capture)]);
    const err = await client.addOwnership(ACCOUNT, "s3://bucket-a?region=us-east-1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcapRequestMaybeAppliedError);
    expect((err as PcapRequestMaybeAppliedError).operation).toMatch(/register bucket s3:\/\/bucket-a/);
    expect(server.requests).toHaveLength(1);
  });

  it("retries even a create when the connection was refused (nothing was sent)", async () => {
    const { server: gone } = await setup([ok(capture)]);
    const url = gone.url;
    await gone.close();
    const refused = new PcapClient({
      credentials: { apiToken: TOKEN },
      baseUrl: url,
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
    });
    const err = await refused.createCapture(ACCOUNT, simple).catch((e: unknown) => e);
    await refused.close();
    expect(err).toBeInstanceOf(PcapNetworkError);
    expect((err as Error).message).toMatch(/no answer from the API after 3 attempts \(connect ECONNREFUSED/);
  });

  it("waits out a 429 as retry-after says, and pauses all requests on the global limit", async () => {
    const { client, server } = await setup([
      fail(429, 971, "Please wait and consider throttling your request speed", { "retry-after": "1" }),
      ok([capture]),
    ]);
    const started = Date.now();
    await expect(client.listCaptures(ACCOUNT)).resolves.toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
    expect(logs.some((l) => /rate limited .*waiting 1\.0 s/.test(l.message))).toBe(true);
  });

  it("fails a 429 whose retry-after is past the deadline, saying what to do", async () => {
    const { client } = await setup(
      [fail(429, 1015, "Only one simple capture per minute", { "retry-after": "60" })],
      {
        retry: { deadlineMs: 1_000 },
      },
    );
    const err = (await client.createCapture(ACCOUNT, simple).catch((e: unknown) => e)) as PcapApiError;
    expect(err).toBeInstanceOf(PcapApiError);
    expect(err.status).toBe(429);
    expect(err).toBeInstanceOf(PcapRateLimitedError);
    expect(err.retryAfterSeconds).toBe(60);
    expect(err.message).toMatch(
      /^create simple packet capture in account 0123.*: Only one simple capture per minute \(code 1015, HTTP 429\)\. The API's rate limit was hit; it asked to wait 60 s/,
    );
  });
});

describe("answers that are not the API's shape", () => {
  it("a 200 that is not JSON", async () => {
    const { client } = await setup([raw(200, "text/html", "<html>hello</html>")]);
    await expect(client.listOwnerships(ACCOUNT)).rejects.toThrow(PcapResponseError);
    await expect(client.listOwnerships(ACCOUNT)).rejects.toThrow(
      /body is not JSON \(text\/html: "<html>hello<\/html>"\)/,
    );
  });

  it("an HTML error page with an error status", async () => {
    const { client } = await setup([raw(403, "text/html", "<html>Forbidden</html>")]);
    const err = (await client.listOwnerships(ACCOUNT).catch((e: unknown) => e)) as PcapApiError;
    expect(err).toBeInstanceOf(PcapApiError);
    expect(err).toBeInstanceOf(PcapCredentialsError);
    expect(err.message).toMatch(
      /answered without error details \(code 0, HTTP 403\)\. Check that the credentials/,
    );
  });

  it("a 200 with success: false", async () => {
    const { client } = await setup([
      ok(null),
      (_r, res) => {
        res.writeHead(200, { "content-type": "application/json", "cf-ray": "8f00aa-ORD" });
        res.end(
          JSON.stringify({
            success: false,
            errors: [{ code: 1234, message: "odd" }],
            messages: [],
            result: null,
          }),
        );
      },
    ]);
    await client.listOwnerships(ACCOUNT); // a null list is an empty list
    const err = (await client.listOwnerships(ACCOUNT).catch((e: unknown) => e)) as PcapApiError;
    expect(err).toBeInstanceOf(PcapApiError);
    expect(err.constructor).toBe(PcapApiError); // an unknown code on a 200 names no meaning
    expect(err.rayId).toBe("8f00aa-ORD");
    expect(err.message).toMatch(/odd \(code 1234, HTTP 200\) \[cf-ray 8f00aa-ORD\]/);
  });

  it("a missing or malformed result", async () => {
    const { client } = await setup([
      raw(200, "application/json", JSON.stringify({ success: true, errors: [], messages: [] })),
      ok({ id: 5 }),
    ]);
    await expect(client.getCapture(ACCOUNT, CAPTURE_ID)).rejects.toThrow(/result \(top level\)/);
    await expect(client.getCapture(ACCOUNT, CAPTURE_ID)).rejects.toThrow(/result id: /);
  });

  it("a download whose body is not a pcap file: a PcapFormatError naming the download, no file left", async () => {
    const { client } = await setup([
      raw(200, "application/octet-stream", "<html><body>502 Bad Gateway</body></html>"),
    ]);
    const dir = mkdtempSync(join(tmpdir(), "pcap-format-"));
    try {
      const err = await client
        .downloadCapture(ACCOUNT, CAPTURE_ID, join(dir, "x.pcap"))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PcapFormatError);
      expect((err as PcapFormatError).operation).toBe(
        `download packet capture ${CAPTURE_ID} in account ${ACCOUNT}`,
      );
      expect((err as Error).message).toMatch(
        /^download packet capture fedcba.* in account 0123.*: not a pcap file: bad magic number \(starts with "<html>/,
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a truncated JSON body", async () => {
    const { client } = await setup([raw(200, "application/json", '{"success": true, "result": {"id": "ab')]);
    await expect(client.getCapture(ACCOUNT, CAPTURE_ID)).rejects.toThrow(PcapResponseError);
  });

  it("unknown fields and unknown statuses parse", async () => {
    const { client } = await setup([
      ok({ ...capture, status: "quantum_entangled", brand_new_field: { x: 1 }, filter_v1: {} }),
    ]);
    const got = await client.getCapture(ACCOUNT, CAPTURE_ID);
    expect(got.status).toBe("quantum_entangled");
    expect(got).not.toHaveProperty("brand_new_field");
    expect(got).not.toHaveProperty("filter"); // an empty filter is no filter
    expect(Object.values(got)).not.toContain(undefined);
  });
});

describe("timeouts", () => {
  it("a server that never answers fails within the headers timeout", async () => {
    const { client } = await setup([silent], {
      timeouts: { headersMs: 300 },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const started = Date.now();
    await expect(client.listCaptures(ACCOUNT)).rejects.toThrow(
      /no answer from the API after 2 attempts.*UND_ERR_HEADERS_TIMEOUT/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("a slow-loris body fails within the body timeout", async () => {
    const { client } = await setup([slowBody], {
      timeouts: { bodyMs: 300 },
      retry: { maxAttempts: 1 },
    });
    const started = Date.now();
    await expect(client.listCaptures(ACCOUNT)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe("secrets and ids", () => {
  it("never puts the token in an error message, even when the server echoes it", async () => {
    const echo: Handler = (req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          success: false,
          errors: [{ code: 6003, message: `bad header: ${req.headers.authorization}` }],
          messages: [],
          result: null,
        }),
      );
    };
    const { client } = await setup([echo]);
    const err = (await client.listCaptures(ACCOUNT).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/bad header: Bearer \[redacted\]/);
    expect(err.message).not.toContain(TOKEN);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it("refuses malformed ids before any request", async () => {
    const { client, server } = await setup([ok(capture)]);
    await expect(client.getCapture(ACCOUNT, "../../etc/passwd")).rejects.toThrow(PcapUsageError);
    await expect(client.listCaptures("not-an-account")).rejects.toThrow(
      /account id "not-an-account" is not valid: Cloudflare ids are 32 lowercase hexadecimal characters/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("sends the token as a bearer header, or the email and global key", async () => {
    const { client, server } = await setup([ok([])]);
    await client.listCaptures(ACCOUNT);
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    const legacy = new PcapClient({
      credentials: { email: "ops@example.com", apiKey: "global-key-123456" },
      baseUrl: server.url,
    });
    await legacy.listCaptures(ACCOUNT);
    await legacy.close();
    expect(server.requests[1].headers["x-auth-email"]).toBe("ops@example.com");
    expect(server.requests[1].headers["x-auth-key"]).toBe("global-key-123456");
    expect(server.requests[1].headers.authorization).toBeUndefined();
  });
});
