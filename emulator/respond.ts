/**
 * Writing answers: the v4 envelope with `application/json` for every JSON answer (errors included, on
 * every endpoint), 204 without a body, and binary streams with backpressure.
 */
import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { Reply } from "./context";
import { ApiError } from "./errors";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  const body = { success: false, errors: error.toWire(), messages: [], result: null };
  sendJson(res, error.status, body, { ...headers, ...error.headers });
}

/** Sends a handler's reply; resolves when the last byte was handed to the socket (or it failed). */
export async function sendReply(
  res: ServerResponse,
  reply: Reply,
  headers: Record<string, string>,
): Promise<number> {
  if (reply.kind === "json") {
    const body: Record<string, unknown> = { success: true, errors: [], messages: [], result: reply.result };
    if (Array.isArray(reply.result)) {
      const n = reply.result.length;
      body.result_info = { count: n, page: 1, per_page: Math.max(n, 50), total_count: n };
    }
    sendJson(res, reply.status, body, { ...headers, ...reply.headers });
    return reply.status;
  }
  if (reply.kind === "empty") {
    res.writeHead(204, headers);
    res.end();
    return 204;
  }
  // Opened before the head is written: the synthesizer checks its options synchronously, so a
  // failure there can still be answered as an error.
  const stream = reply.open();
  res.writeHead(200, { ...headers, ...reply.headers });
  // A client that hangs up mid-download rejects the pipeline; the generator is then simply dropped.
  await pipeline(stream, res).catch(() => undefined);
  return 200;
}
