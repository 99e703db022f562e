/**
 * A loopback HTTP server that answers from a script, for testing the client against a misbehaving
 * API: each request takes the next handler (the last one repeats). It records every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(script: Handler[]): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      const handler = script[Math.min(requests.length, script.length - 1)];
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a JSON body. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
}

export function ok(result: unknown): Handler {
  return json(200, { success: true, errors: [], messages: [], result });
}

export function fail(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Handler {
  return json(status, { success: false, errors: [{ code, message }], messages: [], result: null }, headers);
}

export function raw(status: number, contentType: string, body: string | Buffer): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": contentType });
    res.end(body);
  };
}

/** Drops the connection without answering. */
export const reset: Handler = (_req, res) => {
  res.socket?.destroy();
};

/** Sends headers, then never finishes the body. */
export const slowBody: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"success": true, "result": ');
};

/** Never answers at all. */
export const silent: Handler = () => undefined;
