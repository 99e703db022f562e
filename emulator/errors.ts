/**
 * Every error code the emulator answers with, in one place, so the README's table (checked by a test)
 * and the server cannot drift apart. Codes Cloudflare itself uses (971, 6003, 6102, 6103, 6111, 7000, 7003, 9106, 10000)
 * keep Cloudflare's numbers and messages; every other code is the emulator's own and is ≥ 1000.
 */

export interface ErrorCodeInfo {
  code: number;
  status: number;
  /** When the emulator answers with it (the README's table says the same; a test keeps them in step). */
  when: string;
}

/** Every error code the emulator answers with: code, HTTP status, and when. */
export const CODES = {
  // Cloudflare's own codes.
  rateLimited: {
    code: 971,
    status: 429,
    when: "the credential exceeded the global rate limit (rest of window)",
  },
  invalidHeaders: { code: 6003, status: 400, when: "credentials missing or malformed (see error_chain)" },
  invalidEmailHeader: { code: 6102, status: 400, when: "error_chain of 6003: X-Auth-Email malformed" },
  invalidKeyHeader: { code: 6103, status: 400, when: "error_chain of 6003: X-Auth-Key malformed" },
  invalidAuthorizationHeader: {
    code: 6111,
    status: 400,
    when: "error_chain of 6003: Authorization is not `Bearer <token>`",
  },
  noRoute: { code: 7000, status: 404, when: "unknown path, or a method the path does not support" },
  invalidIdentifier: {
    code: 7003,
    status: 400,
    when: "account, pcap or ownership id is not 32 lowercase hex characters",
  },
  missingCredentials: {
    code: 9106,
    status: 400,
    when: "error_chain of 6003: no Authorization and no X-Auth-Email/X-Auth-Key",
  },
  authentication: {
    code: 10000,
    status: 403,
    when: "unknown credential, or the credential has no access to the account",
  },

  // The emulator's own codes: transport and body.
  internalError: {
    code: 1000,
    status: 500,
    when: "injected fault (errorRate) or an unexpected emulator error",
  },
  unavailable: { code: 1001, status: 503, when: "injected fault (errorRate); nothing was applied" },
  malformedJson: { code: 1002, status: 400, when: "the request body is not valid JSON" },
  unsupportedMediaType: {
    code: 1003,
    status: 415,
    when: "a POST body whose content-type is not application/json",
  },
  bodyTooLarge: {
    code: 1004,
    status: 413,
    when: "the request body exceeds the size limit (maxBodyBytes, default 64 KiB)",
  },
  bodyNotObject: { code: 1005, status: 400, when: "the POST body is missing or is not a JSON object" },

  // Field validation (source.pointer names the field).
  missingField: { code: 1101, status: 400, when: "a required field is missing" },
  invalidField: { code: 1102, status: 400, when: "a field has the wrong type or is out of range" },
  fieldNotAllowed: {
    code: 1103,
    status: 400,
    when: "a field of the other capture type (e.g. offset_time on full, colo_name on simple)",
  },

  // Buckets and ownership.
  invalidDestination: {
    code: 1201,
    status: 400,
    when: "destination_conf is not an s3://, gs:// or r2:// bucket URI, or would leave the data directory",
  },
  destinationNotValidated: {
    code: 1202,
    status: 400,
    when: "full capture into a destination_conf without an ownership in status success",
  },
  ownershipExists: {
    code: 1203,
    status: 409,
    when: "the destination_conf is already registered in the account",
  },
  ownershipNotRegistered: {
    code: 1204,
    status: 404,
    when: "validate for a destination_conf never registered",
  },
  ownershipNotFound: { code: 1205, status: 404, when: "DELETE of an ownership id unknown in the account" },
  bucketUnwritable: {
    code: 1206,
    status: 400,
    when: "the emulator cannot write the challenge file into the bucket directory",
  },

  // Captures.
  captureNotFound: {
    code: 1300,
    status: 404,
    when: "a pcap id unknown in the account (or dropped off the list)",
  },
  downloadNotReady: {
    code: 1301,
    status: 400,
    when: "download of a simple capture not yet in status success",
  },
  downloadFullCapture: {
    code: 1302,
    status: 400,
    when: "download of a full capture (its files are in the destination_conf bucket)",
  },
  stopSimpleCapture: { code: 1303, status: 400, when: "stop of a simple capture" },
  stopNotActive: {
    code: 1304,
    status: 400,
    when: "stop of a full capture that is no longer pending or running",
  },
  simpleCaptureRate: {
    code: 1305,
    status: 429,
    when: "a second simple capture within the interval (default 60 emulated s); has retry-after",
  },
  fullCaptureActive: { code: 1306, status: 409, when: "a full capture while another is pending or running" },
  downloadFailedCapture: { code: 1307, status: 400, when: "download of a simple capture that failed" },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorKind = keyof typeof CODES;

/** One entry of `errors` (or an `error_chain`), as the wire carries it. */
export interface WireError {
  code: number;
  message: string;
  source?: { pointer: string };
  error_chain?: { code: number; message: string }[];
}

/**
 * An error a handler throws to answer with an envelope. Handlers throw instead of writing responses so
 * that every error takes the same path (JSON, counted, logged) whatever endpoint raised it.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly pointer: string | undefined;
  readonly chain: { code: number; message: string }[] | undefined;
  readonly headers: Record<string, string>;
  /** Further errors answered in the same envelope (all of a body's invalid fields at once). */
  readonly siblings: ApiError[] = [];

  constructor(
    kind: ErrorKind,
    message: string,
    extra: {
      pointer?: string;
      chain?: { kind: ErrorKind; message: string }[];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    const info = CODES[kind];
    this.status = info.status;
    this.code = info.code;
    this.pointer = extra.pointer;
    this.chain = extra.chain?.map((link) => ({ code: CODES[link.kind].code, message: link.message }));
    this.headers = extra.headers ?? {};
  }

  /** The envelope's `errors`: this error, then its siblings. */
  toWire(): WireError[] {
    return [this, ...this.siblings].map((e) => {
      const wire: WireError = { code: e.code, message: e.message };
      if (e.pointer !== undefined) wire.source = { pointer: e.pointer };
      if (e.chain) wire.error_chain = e.chain;
      return wire;
    });
  }

  /** One error answering for several; the HTTP status is the first one's. */
  static all(errors: ApiError[]): ApiError {
    const [first, ...rest] = errors;
    first.siblings.push(...rest);
    return first;
  }
}

/** Shorthand for the many "field X is wrong" errors, pointing at the field as JSON Pointer. */
export function fieldError(
  kind: "missingField" | "invalidField" | "fieldNotAllowed",
  field: string,
  message: string,
) {
  return new ApiError(kind, message, { pointer: `/${field.replace(/\./g, "/")}` });
}
