/**
 * The client against a misbehaving server, beyond tests/api/client-faults.test.ts: bodies cut short or
 * dripped forever, redirects and other non-2xx "successes", proxies' HTML pages on 5xx, retry-after 0
 * storms, malformed chunked encoding. Every call must end, within its timeouts, in a PcapError whose
 * message names the operation — never a hang, never a bare library error, never a false success.
 */
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import {
  PcapApiError,
  PcapClient,
  PcapError,
  PcapNetworkError,
  PcapRequestMaybeAppliedError,
  PcapResponseError,
  type PcapClientOptions,
} from "../../client";
import {
  fail,
  ok,
  raw,
  startScriptedServer,
  type Handler,
  type ScriptedServer,
} from "../support/scripted-server";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const ID = "fedcba9876543210fedcba9876543210";
const TOKEN = "tok-hostile-server-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const capture = { id: ID, status: "pending", type: "simple", system: "magic-transit", time_limit: 10 };
const simple = { type: "simple", system: "magic-transit", timeLimit: 10, packetLimit: 100 } as const;

let server: ScriptedServer | undefined;
let tcp: Server | undefined;
const clients: PcapClient[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of sockets) s.destroy();
  sockets.clear();
  await server?.close();
  await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
  server = tcp = undefined;
});

function client(baseUrl: string, options: Partial<PcapClientOptions> = {}): PcapClient {
  const c = new PcapClient({
    credentials: { apiToken: TOKEN },
    baseUrl,
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, deadlineMs: 5_000 },
    timeouts: { headersMs: 500, bodyMs: 500 },
    rateLimit: "10000/1",
    ...options,
  });
  clients.push(c);
  return c;
}

async function scripted(script: Handler[], options: Partial<PcapClientOptions> = {}) {
  server = await startScriptedServer(script);
  return { server, client: client(server.url, options) };
}

/** A raw TCP server that writes `answer(requestText)` and then does what `after` says. */
async function rawServer(answer: (request: string, socket: Socket) => void): Promise<string> {
  tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n\r\n")) answer(text, socket);
    });
  });
  await new Promise<void>((resolve) => tcp!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(tcp!.address() as AddressInfo).port}/client/v4`;
}

/** Awaits the call, asserting it failed with a PcapError naming the operation, within `withinMs`. */
async function failure(call: Promise<unknown>, withinMs: number): Promise<PcapError> {
  const started = Date.now();
  const err = await call.then(
    (value) => new Error(`expected a failure, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  const elapsed = Date.now() - started;
  expect(err).toBeInstanceOf(PcapError);
  const error = err as PcapError;
  expect(error.message.startsWith(`${error.operation}: `)).toBe(true);
  expect(error.message).not.toContain(TOKEN);
  expect(elapsed).toBeLessThan(withinMs);
  return error;
}

/** Headers that promise `length` bytes of JSON, then `partial` of them, then the connection ends. */
const truncated =
  (partial: string, length = 400): Handler =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(length) });
    res.write(partial);
    setTimeout(() => res.socket?.destroy(), 20);
  };

/** Sends a byte every `everyMs`, forever: each gap is within the body timeout, the whole never ends. */
const drip =
  (everyMs: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"success": true, "result": [');
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(" ")), everyMs);
    res.on("close", () => clearInterval(timer));
  };

describe("bodies cut short", () => {
  it("a GET whose body is cut short is retried, then fails as a network error naming the operation", async () => {
    const { client, server } = await scripted([truncated('{"success": true, "res')]);
    const err = await failure(client.listCaptures(ACCOUNT), 5_000);
    expect(err).toBeInstanceOf(PcapNetworkError);
    expect(err.message).toMatch(
      /^list packet captures in account 0123[0-9a-f]+: no answer from the API after 3 attempts/,
    );
    expect(server.requests).toHaveLength(3);
  });

  it("a GET whose body is cut short once succeeds on the retry", async () => {
    const { client, server } = await scripted([truncated('{"success": tr'), ok([capture])]);
    await expect(client.listCaptures(ACCOUNT)).resolves.toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it("a create whose answer is cut short is reported as maybe applied (so the caller reconciles), not resent", async () => {
    const { client, server } = await scripted([truncated('{"success": true, "result": {"id": "fedc')]);
    const err = await failure(client.createCapture(ACCOUNT, simple), 5_000);
    expect(err).toBeInstanceOf(PcapRequestMaybeAppliedError);
    expect(err.message).toMatch(
      /^create simple packet capture in account 0123[0-9a-f]+: the request was sent but no usable answer came back/,
    );
    expect(server.requests).toHaveLength(1);
  });
});

describe("slow answers", () => {
  it("a body dripped forever (each gap within the body timeout) ends within the answer timeout", async () => {
    const { client } = await scripted([drip(100)], {
      timeouts: { headersMs: 500, bodyMs: 500, answerMs: 1_000 },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const err = await failure(client.listCaptures(ACCOUNT), 4_000);
    expect(err).toBeInstanceOf(PcapNetworkError);
    expect(err.message).toMatch(/no answer from the API after 2 attempts.*(timeout|aborted)/i);
  });

  it("a slow-loris body (headers, then silence) fails as a network error within the body timeout", async () => {
    const { client } = await scripted(
      [
        (_req, res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.write('{"success": true, "result": ');
        },
      ],
      { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    const err = await failure(client.listCaptures(ACCOUNT), 3_000);
    expect(err).toBeInstanceOf(PcapNetworkError);
    expect(err.message).toMatch(
      /^list packet captures .*no answer from the API after 2 attempts \(.*Body Timeout/i,
    );
  });
});

describe("answers that are not successes", () => {
  it.each([301, 302, 304, 307])(
    "a %i is not a success, even for calls that expect no body",
    async (status) => {
      const { client } = await scripted([
        (_req, res) => {
          res.writeHead(status, { location: "https://login.example.com/" });
          res.end();
        },
      ]);
      const deleted = await failure(client.deleteOwnership(ACCOUNT, ID), 3_000);
      expect(deleted.message).toMatch(new RegExp(`^delete bucket ownership ${ID} .*HTTP ${status}`));
      const stopped = await failure(client.stopCapture(ACCOUNT, ID), 3_000);
      expect(stopped.message).toMatch(new RegExp(`HTTP ${status}`));
      await failure(client.listOwnerships(ACCOUNT), 3_000);
    },
  );

  it("a proxy's HTML page on 502 is retried, then reported with the status", async () => {
    const { client, server } = await scripted([
      raw(502, "text/html", "<html><h1>502 Bad Gateway</h1></html>"),
    ]);
    const err = await failure(client.listOwnerships(ACCOUNT), 3_000);
    expect(err).toBeInstanceOf(PcapApiError);
    expect(err.message).toMatch(
      /answered without error details \(code 0, HTTP 502\)\. Cloudflare had a problem/,
    );
    expect(server.requests).toHaveLength(3);
  });

  it("a 200 with success: false and no error details", async () => {
    const { client } = await scripted([
      raw(200, "application/json", '{"success": false, "errors": [], "result": null}'),
    ]);
    const err = await failure(client.getCapture(ACCOUNT, ID), 3_000);
    expect(err).toBeInstanceOf(PcapApiError);
    expect(err.message).toMatch(/no error details given \(code 0, HTTP 200\)/);
  });

  it.each([
    ["an empty body", ""],
    ["a JSON array", "[]"],
    ["a JSON string", '"ok"'],
    ["invalid UTF-8", Buffer.from([0xff, 0xfe, 0x7b, 0x00])],
    ["a result of the wrong type", '{"success": true, "errors": [], "result": "capture"}'],
    ["errors of the wrong shape", '{"success": true, "errors": "none", "result": {}}'],
  ])("%s on 200 is a response error naming the operation", async (_what, body) => {
    const { client } = await scripted([raw(200, "application/json", body)]);
    const err = await failure(client.getCapture(ACCOUNT, ID), 3_000);
    expect(err).toBeInstanceOf(PcapResponseError);
    expect(err.message).toMatch(
      new RegExp(
        `^get packet capture ${ID} in account ${ACCOUNT}: the API's answer is not in the expected shape`,
      ),
    );
  });

  it("429 with retry-after: 0 forever does not turn into a request storm", async () => {
    const { client, server } = await scripted(
      [fail(429, 971, "Please wait and consider throttling your request speed", { "retry-after": "0" })],
      { retry: { deadlineMs: 2_500, baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } },
    );
    const err = await failure(client.listCaptures(ACCOUNT), 6_000);
    expect(err).toBeInstanceOf(PcapApiError);
    expect((err as PcapApiError).status).toBe(429);
    expect(server.requests.length).toBeLessThanOrEqual(5);
  });
});

describe("malformed HTTP", () => {
  it("an invalid chunked encoding is a clear error, retried for a GET", async () => {
    let requests = 0;
    const url = await rawServer((_request, socket) => {
      requests++;
      socket.end(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
      );
    });
    const err = await failure(client(url).listCaptures(ACCOUNT), 3_000);
    expect(err).toBeInstanceOf(PcapNetworkError);
    expect(requests).toBe(3);
  });

  it("a status line that is not HTTP is a clear error", async () => {
    const url = await rawServer((_request, socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
    const err = await failure(client(url).listCaptures(ACCOUNT), 3_000);
    expect(err).toBeInstanceOf(PcapNetworkError);
  });

  it("a connection closed before any answer, for a create, is maybe-applied and not resent", async () => {
    let requests = 0;
    const url = await rawServer((_request, socket) => {
      requests++;
      socket.destroy();
    });
    const err = await failure(client(url).addOwnership(ACCOUNT, "s3://bucket-a?region=us-east-1"), 3_000);
    expect(err).toBeInstanceOf(PcapRequestMaybeAppliedError);
    expect(requests).toBe(1);
  });

  it("the raw server really saw the token only in its header", async () => {
    let request = "";
    const url = await rawServer((text, socket) => {
      request = text;
      socket.end(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 46\r\n\r\n{"success":true,"errors":[],"result":[],"x":1}',
      );
    });
    await client(url).listCaptures(ACCOUNT);
    expect(request.split("\r\n").filter((l) => l.includes(TOKEN))).toEqual([
      `authorization: Bearer ${TOKEN}`,
    ]);
  });
});
