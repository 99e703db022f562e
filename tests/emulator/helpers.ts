/**
 * Shared test plumbing: start an emulator per test (closed afterwards), and a small fetch wrapper that
 * authenticates with the default token and parses the envelope.
 */
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../emulator";

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty one. */
  json: Envelope | undefined;
}

export interface Envelope {
  success: boolean;
  errors: {
    code: number;
    message: string;
    source?: { pointer?: string };
    error_chain?: { code: number; message: string }[];
  }[];
  messages: unknown[];
  result: unknown;
  result_info?: { count: number };
}

const running = new Set<EmulatorHandle>();

export async function emulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const handle = await startEmulator(options);
  running.add(handle);
  return handle;
}

/** Call from afterEach: closes every emulator the test started. */
export async function closeAll(): Promise<void> {
  await Promise.all([...running].map((h) => h.close()));
  running.clear();
}

export interface CallOptions {
  body?: unknown;
  /** Raw body text (sent as is, with the content type below). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Send no credential at all. */
  anonymous?: boolean;
  accountId?: string;
}

/** Calls `<url>/accounts/<account>/pcaps<path>` with the default token. */
export async function api(
  handle: EmulatorHandle,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const account = options.accountId ?? handle.accountId;
  const headers: Record<string, string> = options.anonymous
    ? {}
    : { authorization: `Bearer ${handle.token}` };
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    body = options.raw ?? JSON.stringify(options.body);
    headers["content-type"] = options.contentType ?? "application/json";
  }
  Object.assign(headers, options.headers);
  const res = await fetch(`${handle.url}/accounts/${account}/pcaps${path}`, { method, headers, body });
  const text = await res.text();
  const isJson = (res.headers.get("content-type") ?? "").startsWith("application/json");
  return {
    status: res.status,
    headers: res.headers,
    json: isJson && text !== "" ? (JSON.parse(text) as Envelope) : undefined,
  };
}

/** The first error's code, for terse assertions. */
export function errorCode(res: ApiResponse): number | undefined {
  return res.json?.errors[0]?.code;
}

export const SIMPLE = { system: "magic-transit", type: "simple", time_limit: 60, packet_limit: 100 } as const;

export function fullBody(destination: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system: "magic-transit",
    type: "full",
    time_limit: 60,
    colo_name: "ord02",
    destination_conf: destination,
    ...extra,
  };
}

/** Registers and validates a bucket, returning the ownership object. */
export async function validatedBucket(
  handle: EmulatorHandle,
  destination: string,
): Promise<Record<string, unknown>> {
  const added = await api(handle, "POST", "/ownership", { body: { destination_conf: destination } });
  if (added.status !== 200) throw new Error(`ownership add failed: ${added.status}`);
  const token = handle.readChallenge(destination);
  const validated = await api(handle, "POST", "/ownership/validate", {
    body: { destination_conf: destination, ownership_challenge: token },
  });
  return validated.json?.result as Record<string, unknown>;
}

export function result<T = Record<string, unknown>>(res: ApiResponse): T {
  return res.json?.result as T;
}

/** The bytes of GET /pcaps/{id}/download (whatever the status: a refusal's JSON comes back as bytes). */
export async function downloadBytes(handle: EmulatorHandle, id: string): Promise<Buffer> {
  const res = await fetch(`${handle.url}/accounts/${handle.accountId}/pcaps/${id}/download`, {
    headers: { authorization: `Bearer ${handle.token}` },
  });
  return Buffer.from(await res.arrayBuffer());
}

/** Records in a classic pcap file: walks the 16-byte record headers after the 24-byte file header. */
export function countPackets(bytes: Buffer): number {
  let packets = 0;
  for (let offset = 24; offset < bytes.length; packets++) offset += 16 + bytes.readUInt32LE(offset + 8);
  return packets;
}
