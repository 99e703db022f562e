/**
 * The HTTP layer: one undici Agent per client with keep-alive and explicit timeouts, the base URL, the
 * credential headers. It sends one request and returns the raw answer; retries and parsing live above.
 */
import type { Agent, Dispatcher } from "undici";
import { authHeaders, type Credentials } from "./credentials";

/** Cloudflare's v4 API. */
export const DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4";

/** Per-request timeouts of the HTTP layer. */
export interface Timeouts {
  /** TCP + TLS connect. Default 10 000 ms. */
  connectMs?: number;
  /** From sending the request to the response headers. Default 30 000 ms. */
  headersMs?: number;
  /** Longest silence between two body chunks (not the whole body: downloads can be long). Default 30 000 ms. */
  bodyMs?: number;
  /**
   * Longest time for a whole JSON answer, from sending the request to its last byte, so a server that
   * drips its body a byte at a time cannot hold a call forever. Downloads are exempt. Default 60 000 ms.
   */
  answerMs?: number;
}

export const DEFAULT_ANSWER_TIMEOUT_MS = 60_000;

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export type HttpAnswer = Dispatcher.ResponseData;

// By package name (a self-reference through `exports`), so it resolves the same from source and dist/;
// an `import` of the JSON would make tsc copy package.json into dist/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PACKAGE_VERSION: string = (require("pulumi-cloudflare-pcap/package.json") as { version: string })
  .version;

type Undici = typeof import("undici");

/**
 * undici, loaded with the first client rather than with the module: the plugin loads the provider for
 * every call, and Check and Diff never make a request, so a cold start need not pay for it (bench/).
 */
function undici(): Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("undici") as Undici;
}

export class HttpTransport {
  private readonly agent: Agent;
  private readonly request: Undici["request"];
  private readonly base: URL;
  private readonly headers: Record<string, string>;

  constructor(baseUrl: string, credentials: Credentials, timeouts: Timeouts = {}) {
    this.base = new URL(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    const { Agent, request } = undici();
    this.request = request;
    this.agent = new Agent({
      connect: { timeout: timeouts.connectMs ?? 10_000 },
      headersTimeout: timeouts.headersMs ?? 30_000,
      bodyTimeout: timeouts.bodyMs ?? 30_000,
      keepAliveTimeout: 10_000,
      connections: 32,
    });
    this.headers = {
      ...authHeaders(credentials),
      "user-agent": `pulumi-cloudflare-pcap/${PACKAGE_VERSION}`,
      accept: "application/json",
    };
  }

  /** `path` is relative to the base URL, e.g. `accounts/<id>/pcaps`; `signal` aborts it, body included. */
  send(
    method: HttpMethod,
    path: string,
    body?: unknown,
    accept?: string,
    signal?: AbortSignal,
  ): Promise<HttpAnswer> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { ...this.headers };
    if (accept) headers.accept = accept;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    return this.request(url, { method, headers, body: payload, dispatcher: this.agent, signal });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Reads a header that may be repeated as a single string. */
export function headerValue(headers: HttpAnswer["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether a failure happened before the request could reach the server (so even a POST is safe to
 * send again). Anything else — a reset, a timeout waiting for the answer — may follow a request the
 * server already applied.
 */
export function failedBeforeSending(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === "ECONNREFUSED" ||
    code === "ENOTFOUND" ||
    code === "EAI_AGAIN" ||
    code === "EHOSTUNREACH" ||
    code === "ENETUNREACH" ||
    code === "UND_ERR_CONNECT_TIMEOUT"
  );
}
