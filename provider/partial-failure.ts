/**
 * An error that tells the engine the resource exists despite the failure: the dynamic-provider plugin
 * reads `id`, `properties` and `reasons` off the thrown error, and the engine keeps the resource in state
 * with those properties as its outputs, so the next `up` continues with an update instead of orphaning
 * what was created. The engine shows `reasons` (not the message) and forces the update only when
 * `reasons` is non-empty.
 */
import { redact } from "../client/errors";
import { stripUndefined } from "./check";

export class PartialFailure extends Error {
  readonly id: string;
  properties: Record<string, unknown>;
  reasons: string[];

  constructor(id: string, properties: Record<string, unknown>, reason: string) {
    super(reason);
    this.name = "PartialFailure";
    this.id = id;
    this.properties = properties;
    this.reasons = [reason];
  }
}

/**
 * Runs a create or update so that what it throws is fit for the engine:
 *
 * - a partial failure carries the serialized provider: the plugin adds `__provider` to successful
 *   outputs itself, but stores a partial failure's properties as they are, and without it the resource
 *   could not be read or deleted later; and its properties are Struct-safe;
 * - no message quotes a secret input (an API or proxy error may echo what it was sent).
 */
export async function keepingProvider<T>(
  news: Record<string, unknown>,
  secrets: readonly string[],
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof PartialFailure) {
      err.properties = stripUndefined({
        ...err.properties,
        ...(news.__provider !== undefined ? { __provider: news.__provider } : {}),
      });
      err.reasons = err.reasons.map((reason) => redact(reason, secrets));
    }
    if (err instanceof Error && secrets.length > 0) {
      err.message = redact(err.message, secrets);
      if (err.stack) err.stack = redact(err.stack, secrets);
    }
    throw err;
  }
}
