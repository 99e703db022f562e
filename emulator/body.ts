/**
 * Reads a POST body as a JSON object: JSON content type (else 415), a size cap (else 413, checked on
 * the declared length and while streaming), valid JSON (else 400). JSON.parse is iterative in V8, so a
 * deeply nested body is parsed without exhausting the stack, and nothing later walks it recursively.
 */
import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export async function readJsonObject(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  const hasBody =
    (Number.isFinite(declared) && declared > 0) || req.headers["transfer-encoding"] !== undefined;
  if (!hasBody) throw new ApiError("bodyNotObject", "the request body must be a JSON object");
  const type = req.headers["content-type"] ?? "";
  if (!JSON_TYPE.test(type)) {
    throw new ApiError(
      "unsupportedMediaType",
      `content-type must be application/json (got ${JSON.stringify(type.slice(0, 80))})`,
    );
  }
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readCapped(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError("malformedJson", "the request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError("bodyNotObject", "the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("bodyTooLarge", `the request body is larger than ${maxBytes} bytes`);
}

function readCapped(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop buffering; Node discards the rest of the body once the answer is sent.
        req.off("data", onData);
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}
