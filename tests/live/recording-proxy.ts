/**
 * A pass-through HTTP proxy on loopback that shows every answer to a recorder before handing it on.
 * The suite points the package's own client (and functions) at it, so the shape report is read from the
 * exact bytes the client received, from every endpoint, POST answers included — with no hook inside the
 * client. JSON bodies are buffered (they are small); downloads stream through untouched. Nothing is
 * logged, and request headers (the credential) are forwarded, never kept.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { Agent, request } from "undici";
import type { RawAnswer } from "./shape";

export interface RecordingProxy {
  /** The base URL to give a client: `http://127.0.0.1:<port>/`. */
  url: string;
  close(): Promise<void>;
}

/** Request headers worth forwarding: the credential, the body's type, what the client accepts. */
const FORWARDED_REQUEST_HEADERS = [
  "authorization",
  "x-auth-email",
  "x-auth-key",
  "content-type",
  "accept",
  "user-agent",
];
/** Answer headers that describe one hop only; the proxy's own server sets its framing. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);

export async function startRecordingProxy(
  upstreamBaseUrl: string,
  observe: (answer: RawAnswer) => void,
): Promise<RecordingProxy> {
  const upstream = new URL(upstreamBaseUrl.endsWith("/") ? upstreamBaseUrl : `${upstreamBaseUrl}/`);
  const agent = new Agent({ keepAliveTimeout: 10_000 });

  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const answer = await request(new URL(path.replace(/^\/+/, ""), upstream), {
      method: req.method as "GET",
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      dispatcher: agent,
    });
    const contentType = headerText(answer.headers["content-type"]);
    const responseHeaders = Object.fromEntries(
      Object.entries(answer.headers).filter(([name, value]) => !HOP_BY_HOP.has(name) && value !== undefined),
    ) as Record<string, string | string[]>;
    const seen: RawAnswer = { method: req.method ?? "GET", path, status: answer.statusCode, contentType };
    if (contentType?.includes("json")) {
      const body = await answer.body.text();
      observe({ ...seen, body });
      res.writeHead(answer.statusCode, responseHeaders).end(body);
      return;
    }
    observe(seen);
    res.writeHead(answer.statusCode, responseHeaders);
    await pipeline(answer.body, res);
  };

  const server = createServer((req, res) => {
    // The upstream failed (reset, timeout): the client must see a failure too, not an invented answer.
    forward(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await agent.close();
    },
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
