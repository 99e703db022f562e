/**
 * The emulator against hostile requests, beyond tests/emulator/: path traversal in bucket URIs and ids,
 * oversized and deeply nested bodies, wrong content types, other accounts' ids with a valid token, and —
 * over raw sockets — header injection, request smuggling, malformed HTTP and slow-loris connections.
 * Each is refused with the right status; afterwards the emulator still serves, and nothing was written
 * outside its data directory.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";

/** A name no legitimate file has: any path containing it that exists outside the data dir is an escape. */
const MARKER = `escape-${randomBytes(6).toString("hex")}`;
const OTHER_ACCOUNT = "e".repeat(32);
const ID = "a".repeat(32);

let sandbox: string;
let dataDir: string;
let emu: EmulatorHandle;
const tried: Record<string, number> = {};

beforeAll(async () => {
  sandbox = mkdtempSync(join(tmpdir(), "pcap-hostile-"));
  dataDir = join(sandbox, "data");
  emu = await startEmulator({ dataDir, persist: true, simpleCaptureIntervalSeconds: 0 });
});

afterAll(async () => {
  await emu.close();
  rmSync(sandbox, { recursive: true, force: true });
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  console.log(
    `emulator hostile requests: ${total} (${JSON.stringify(tried)}); 0 crashes, 0 writes outside the data dir`,
  );
});

afterEach(async () => {
  // Still serving, and nothing outside the data directory (nor anywhere named after the marker).
  expect((await call("GET", "")).status).toBe(200);
  expect(readdirSync(sandbox)).toEqual(["data"]);
  expect(findMarker(sandbox)).toEqual([]);
  expect(findMarker(tmpdir(), 2)).toEqual([]);
});

function count(kind: string): void {
  tried[kind] = (tried[kind] ?? 0) + 1;
}

/** Paths under `root` (to `depth`) whose name contains the marker, outside the emulator's data dir. */
function findMarker(root: string, depth = 8): string[] {
  const found: string[] = [];
  const walk = (dir: string, level: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (name.includes(MARKER) && !relative(dataDir, path).startsWith("buckets")) found.push(path);
      try {
        if (
          level < depth &&
          statSync(path).isDirectory() &&
          !path.startsWith(join(tmpdir(), "pcap-emulator-"))
        )
          walk(path, level + 1);
      } catch {
        // vanished meanwhile
      }
    }
  };
  walk(root, 0);
  return found;
}

interface Answer {
  status: number;
  code: number | undefined;
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  options: { body?: string; contentType?: string; account?: string; raw?: boolean } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${emu.token}` };
  if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  const url = options.raw
    ? `http://127.0.0.1:${emu.port}${path}`
    : `${emu.url}/accounts/${options.account ?? emu.accountId}/pcaps${path}`;
  const res = await fetch(url, { method, headers, body: options.body });
  const text = await res.text();
  let code: number | undefined;
  try {
    code = (JSON.parse(text) as { errors?: { code: number }[] }).errors?.[0]?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code, headers: res.headers };
}

/** Sends raw bytes; resolves with everything the server wrote before closing (or after `waitMs`). */
function rawExchange(bytes: string | Buffer, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(emu.port, "127.0.0.1");
    let answer = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, waitMs);
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    socket.on("close", done);
    socket.on("error", done);
    socket.write(bytes);
  });
}

function statusOf(answer: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
  return match ? Number(match[1]) : undefined;
}

const request = (lines: string[], body = "") => `${lines.join("\r\n")}\r\n\r\n${body}`;
const base = () => `/client/v4/accounts/${emu.accountId}/pcaps`;

describe("path traversal", () => {
  const destinations = [
    `s3://../${MARKER}?region=x`,
    `s3://bucket/../../../../${MARKER}?region=x`,
    `s3://bucket/dir/../../${MARKER}`,
    `gs://bucket/%2e%2e/%2e%2e/${MARKER}`,
    `gs://bucket/..%2f..%2f${MARKER}`,
    `r2://bucket\\..\\..\\${MARKER}?account-id=x`,
    `s3://bucket//${MARKER}/./x`,
    `s3:///${MARKER}`,
    `s3://bucket/${MARKER}\u0000/x`,
    `s3://bucket/\u2024\u2024/${MARKER}`,
    `s3://${tmpdir()}/${MARKER}`,
    `file:///tmp/${MARKER}`,
    `s3://${MARKER}.${"x".repeat(80)}`,
  ];

  test.each(destinations)(
    "destination_conf %j is refused (400 1201) wherever it is used",
    async (destination) => {
      const body = (extra: object) => JSON.stringify({ destination_conf: destination, ...extra });
      for (const [path, extra] of [
        ["/ownership", {}],
        ["/ownership/validate", { ownership_challenge: "x" }],
        ["", { system: "magic-transit", type: "full", time_limit: 60, colo_name: "ord02" }],
      ] as const) {
        count("traversal in destination_conf");
        const answer = await call("POST", path, { body: body(extra) });
        expect({ destination, path, status: answer.status, code: answer.code }).toEqual({
          destination,
          path,
          status: 400,
          code: 1201,
        });
      }
    },
  );

  test.each([
    ["GET", `/..%2F..%2F..%2F${MARKER}`],
    ["GET", `/../../../../${MARKER}`],
    ["GET", `/${ID}/..%2f..%2f/download`],
    ["PUT", `/%2e%2e%2f${MARKER}/stop`],
    ["DELETE", `/ownership/..%2F${MARKER}`],
    ["DELETE", `/ownership/${ID}%00`],
    ["GET", `/${ID.toUpperCase()}`],
    ["GET", `/${"a".repeat(31)}\u00e9`],
  ])("an id like %s %s is refused (400 7003 or 404 7000)", async (method, path) => {
    count("traversal in ids");
    const answer = await call(method, path);
    expect([400, 404]).toContain(answer.status);
    expect([7003, 7000]).toContain(answer.code);
  });

  test("a bucket path thousands of directories deep is refused (400 1201) before any directory is made", async () => {
    count("traversal in destination_conf");
    const answer = await call("POST", "/ownership", {
      body: JSON.stringify({ destination_conf: `s3://deep-bucket/${"a/".repeat(2100)}${MARKER}?region=x` }),
    });
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 400, code: 1201 });
    expect(existsSync(join(dataDir, "buckets", "s3", "deep-bucket"))).toBe(false);
  });

  test("a path that walks out of the API prefix (sent raw: fetch would normalize it) is 404 7000", async () => {
    for (const path of [
      `/client/v4/accounts/../accounts/${emu.accountId}/pcaps`,
      `/client/v4/../../${MARKER}`,
      `//client/v4/accounts/${emu.accountId}/pcaps`,
      `/client/v4/accounts/${emu.accountId}/pcaps/../../../../etc/passwd`,
      `/client/v4/accounts/${emu.accountId}/pcaps/%2e%2e/%2e%2e`,
      `/client/v4/accounts/${emu.accountId}/./pcaps`,
      `http://evil.example/client/v4/accounts/${emu.accountId}/pcaps/ownership/${MARKER}`,
      "*",
    ]) {
      count("traversal in the path");
      const answer = await rawExchange(
        request([
          `GET ${path} HTTP/1.1`,
          "host: x",
          `authorization: Bearer ${emu.token}`,
          "connection: close",
        ]),
      );
      expect({ path, status: statusOf(answer) }).toEqual({ path, status: expect.any(Number) });
      expect({ path, refused: [400, 404].includes(statusOf(answer)!) }).toEqual({ path, refused: true });
    }
  });
});

describe("bodies", () => {
  test("oversized bodies are 413 (1004), declared or chunked, with the connection closed", async () => {
    const huge = JSON.stringify({
      destination_conf: "s3://bucket?region=x",
      pad: "x".repeat(5 * 1024 * 1024),
    });
    count("oversized body");
    expect(await call("POST", "/ownership", { body: huge })).toMatchObject({ status: 413, code: 1004 });
    count("oversized body");
    const chunked = await rawExchange(
      request(
        [
          `POST ${base()}/ownership HTTP/1.1`,
          "host: x",
          `authorization: Bearer ${emu.token}`,
          "content-type: application/json",
          "transfer-encoding: chunked",
        ],
        `10000\r\n${"x".repeat(0x10000)}\r\n10000\r\n${"x".repeat(0x10000)}\r\n0\r\n\r\n`,
      ),
    );
    expect(statusOf(chunked)).toBe(413);
  });

  test("deeply nested and pathological JSON is refused or ignored, never a crash", async () => {
    const cases: [string, number[]][] = [
      [`{"destination_conf": ${"[".repeat(30_000)}${"]".repeat(30_000)}}`, [400]],
      [`${"[".repeat(60_000)}`, [400, 413]],
      [`{"destination_conf": "s3://bucket?region=x", "__proto__": {"polluted": true}}`, [200]],
      [`{"constructor": {"prototype": {"polluted": true}}, "destination_conf": "gs://bucket-b"}`, [200]],
      [`{"destination_conf": "s3://bucket-c?region=x", "destination_conf": {"x": 1}}`, [400]],
      ['{"destination_conf": "\\ud800"}', [400]],
      ["\u0000\u0001\u0002", [400]],
      ["", [400]],
    ];
    for (const [body, statuses] of cases) {
      count("pathological JSON");
      const answer = await call("POST", "/ownership", { body });
      expect({ body: body.slice(0, 60), ok: statuses.includes(answer.status) }).toEqual({
        body: body.slice(0, 60),
        ok: true,
      });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    ["text/plain", 415],
    ["application/x-www-form-urlencoded", 415],
    ["multipart/form-data; boundary=x", 415],
    ["application/jsonx", 415],
    // On the wire this is just a second header line: accepted, and never reflected.
    ["application/json\r\nx-injected: 1", 0],
    ["application/problem+json", 200],
    ["APPLICATION/JSON; charset=utf-8", 200],
  ])("content-type %j → %i", async (contentType, status) => {
    count("content type");
    const body = JSON.stringify({ destination_conf: `s3://ct-${randomBytes(4).toString("hex")}?region=x` });
    if (status === 0) {
      // fetch refuses to send a header with CR/LF at all; send it raw instead.
      const answer = await rawExchange(
        request(
          [
            `POST ${base()}/ownership HTTP/1.1`,
            "host: x",
            `authorization: Bearer ${emu.token}`,
            `content-type: ${contentType}`,
            `content-length: ${body.length}`,
          ],
          body,
        ),
      );
      expect(answer).not.toMatch(/x-injected/i);
      expect(statusOf(answer)).toBe(200);
      return;
    }
    expect((await call("POST", "/ownership", { body, contentType })).status).toBe(status);
  });
});

describe("accounts", () => {
  test.each([
    ["POST", ""],
    ["GET", ""],
    ["GET", `/${ID}`],
    ["GET", `/${ID}/download`],
    ["PUT", `/${ID}/stop`],
    ["POST", "/ownership"],
    ["GET", "/ownership"],
    ["POST", "/ownership/validate"],
    ["DELETE", `/ownership/${ID}`],
  ])("another account's %s %s with a valid token is 403 10000, and changes nothing", async (method, path) => {
    count("other account");
    const before = { captures: emu.captures(OTHER_ACCOUNT), ownerships: emu.ownerships(OTHER_ACCOUNT) };
    const body =
      method === "POST" ? JSON.stringify({ destination_conf: "s3://other-acct?region=x" }) : undefined;
    const answer = await call(method, path, { body, account: OTHER_ACCOUNT });
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 403, code: 10000 });
    expect({ captures: emu.captures(OTHER_ACCOUNT), ownerships: emu.ownerships(OTHER_ACCOUNT) }).toEqual(
      before,
    );
  });
});

describe("malformed HTTP over raw sockets", () => {
  const auth = () => `authorization: Bearer ${emu.token}`;
  const cases: [string, () => string, (status: number | undefined, answer: string) => void][] = [
    ["garbage request line", () => "GARBAGE\r\n\r\n", (s) => expect(s).toBe(400)],
    ["HTTP/0.9 style request", () => `GET ${base()}\r\n\r\n`, (s) => expect([400, undefined]).toContain(s)],
    [
      "unknown HTTP version",
      () => request([`GET ${base()} HTTP/7.0`, "host: x", auth()]),
      (s) => expect([400, 505, undefined]).toContain(s),
    ],
    [
      "a bare LF smuggling a second header",
      () => `GET ${base()} HTTP/1.1\r\nhost: x\r\nx-a: 1\nauthorization: Bearer ${emu.token}\r\n\r\n`,
      (s) => expect(s).toBe(400),
    ],
    [
      "obs-fold continuation line",
      () => request([`GET ${base()} HTTP/1.1`, "host: x", "x-folded: a", " b", auth()]),
      (s) => expect(s).toBe(400),
    ],
    [
      "NUL in a header value",
      () => request([`GET ${base()} HTTP/1.1`, "host: x", "x-a: a\u0000b", auth()]),
      (s) => expect(s).toBe(400),
    ],
    [
      "space in a header name",
      () => request([`GET ${base()} HTTP/1.1`, "host: x", "bad name: 1", auth()]),
      (s) => expect(s).toBe(400),
    ],
    [
      "two different content-lengths (smuggling)",
      () =>
        request(
          [
            `POST ${base()}/ownership HTTP/1.1`,
            "host: x",
            auth(),
            "content-type: application/json",
            "content-length: 2",
            "content-length: 40",
          ],
          "{}",
        ),
      (s) => expect(s).toBe(400),
    ],
    [
      "content-length and transfer-encoding together (smuggling)",
      () =>
        request(
          [
            `POST ${base()}/ownership HTTP/1.1`,
            "host: x",
            auth(),
            "content-type: application/json",
            "content-length: 4",
            "transfer-encoding: chunked",
          ],
          `0\r\n\r\nGET ${base()} HTTP/1.1\r\nhost: x\r\n\r\n`,
        ),
      (s, answer) => {
        expect(s).toBe(400);
        expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1); // the smuggled request was not served
      },
    ],
    [
      "an invalid chunk size",
      () =>
        request(
          [
            `POST ${base()}/ownership HTTP/1.1`,
            "host: x",
            auth(),
            "content-type: application/json",
            "transfer-encoding: chunked",
          ],
          "zz\r\n{}\r\n0\r\n\r\n",
        ),
      (s) => expect(s).toBe(400),
    ],
    [
      "headers over 16 KiB",
      () => request([`GET ${base()} HTTP/1.1`, "host: x", auth(), `x-big: ${"a".repeat(20_000)}`]),
      (s) => expect(s).toBe(431),
    ],
    [
      "a 100 KiB URL",
      () => request([`GET ${base()}/${"a".repeat(100_000)} HTTP/1.1`, "host: x", auth()]),
      (s) => expect([414, 431, 400]).toContain(s),
    ],
    [
      "CRLF-encoded in the path is never reflected into headers",
      () => request([`GET ${base()}/x%0d%0aset-cookie:%20owned=1%0d%0a HTTP/1.1`, "host: x", auth()]),
      (s, answer) => {
        expect(s).toBe(400);
        expect(answer.split("\r\n\r\n")[0]).not.toMatch(/set-cookie/i);
      },
    ],
    [
      "an Authorization with a second credential appended",
      () =>
        request([`GET ${base()} HTTP/1.1`, "host: x", `authorization: Bearer ${emu.token}, Bearer other`]),
      (s) => expect(s).toBe(400),
    ],
    [
      "two pipelined requests are both answered, in order",
      () =>
        `${request([`GET ${base()} HTTP/1.1`, "host: x", auth()])}${request([`GET ${base()}/ownership HTTP/1.1`, "host: x", auth()])}`,
      (_s, answer) => expect(answer.match(/HTTP\/1\.1 200/g)).toHaveLength(2),
    ],
  ];

  test.each(cases)("%s", async (_what, bytes, check) => {
    count("malformed HTTP");
    const answer = await rawExchange(bytes());
    check(statusOf(answer), answer);
  });

  test("a request cut off mid-body, and one that stops mid-headers, are dropped without harm", async () => {
    count("malformed HTTP");
    await rawExchange(
      request(
        [
          `POST ${base()}/ownership HTTP/1.1`,
          "host: x",
          auth(),
          "content-type: application/json",
          "content-length: 500",
        ],
        '{"destination_conf": "s3://cut',
      ),
      300,
    );
    count("malformed HTTP");
    await rawExchange(`GET ${base()} HTTP/1.1\r\nhost: x\r\nauthoriz`, 300);
    expect(emu.ownerships().filter((o) => o.destination_conf.startsWith("s3://cut"))).toEqual([]);
  });

  test("slow-loris connections do not stop the emulator serving others", async () => {
    const sockets: Socket[] = [];
    for (let i = 0; i < 50; i++) {
      count("slow-loris connection");
      const socket = connect(emu.port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write(`GET ${base()} HTTP/1.1\r\nhost: x\r\n`);
      sockets.push(socket);
    }
    const drip = setInterval(() => sockets.forEach((s) => s.write("x-drip: 1\r\n")), 100);
    try {
      const started = Date.now();
      for (let i = 0; i < 5; i++) expect((await call("GET", "")).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      clearInterval(drip);
      sockets.forEach((s) => s.destroy());
    }
  });
});
