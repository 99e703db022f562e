/**
 * The API's documented input rules as the client side reads them, each in one place: the provider's
 * checks, the command and the client itself use these and nothing else. The emulator keeps its own
 * reading (emulator/rules.ts) on purpose, so a misreading on either side fails a test.
 */

/** What every Cloudflare identifier (account, capture, ownership) looks like, in words for messages. */
export const ID_FORM = "32 lowercase hexadecimal characters";

const CLOUDFLARE_ID = /^[0-9a-f]{32}$/;

/** Whether `value` is a Cloudflare identifier: an account, capture or ownership id ({@link ID_FORM}). */
export function isCloudflareId(value: unknown): value is string {
  return typeof value === "string" && CLOUDFLARE_ID.test(value);
}

/** The values `system` accepts. */
export const CAPTURE_SYSTEMS = ["magic-transit"] as const;
/** The values `type` accepts. */
export const CAPTURE_TYPES = ["simple", "full"] as const;

/** An inclusive integer range. */
export interface Range {
  min: number;
  max: number;
}

/** The numeric ranges of the capture request's fields. */
export const LIMITS = {
  simpleTimeLimit: { min: 1, max: 300 },
  fullTimeLimit: { min: 1, max: 86400 },
  packetLimit: { min: 1, max: 10000 },
  byteLimit: { min: 1, max: 1_000_000_000 },
  port: { min: 0, max: 65535 },
  protocol: { min: 0, max: 255 },
} as const satisfies Record<string, Range>;

/** Cloudflare's docs: only one simple (sample) capture request per minute per account. */
export const SIMPLE_CAPTURE_INTERVAL_SECONDS = 60;

/** How far back a simple capture's `offset_time` may reach. */
export const MAX_OFFSET_MS = 24 * 60 * 60 * 1000;

/** Clocks disagree: an offset up to a minute ahead of this machine's clock is taken as "now". */
const OFFSET_CLOCK_SLACK_MS = 60_000;

/**
 * Where an `offset_time` (epoch ms) lies against the window Cloudflare keeps sampled traffic for:
 * undefined inside it, else which side it missed. One rule for the provider's check and the command.
 */
export function offsetOutsideWindow(at: number, now: number): "in the future" | "older" | undefined {
  if (at > now + OFFSET_CLOCK_SLACK_MS) return "in the future";
  if (at < now - MAX_OFFSET_MS) return "older";
  return undefined;
}

/** The bucket URI schemes Cloudflare can write captures to. */
export const DESTINATION_SCHEMES = ["s3", "gs", "r2"] as const;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

export function inRange(value: number, range: Range): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp; undefined when the text is not one. */
export function parseRfc3339(value: string): number | undefined {
  if (!RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A data centre (`ord02`) or a city code (`ORD`): letters, digits, `_` and `-`, at most 64. */
const COLO_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function isColoName(value: string): boolean {
  return COLO_NAME.test(value);
}

/** The parts of a bucket URI that matter for validation and for the emulator's directory layout. */
export interface Destination {
  scheme: (typeof DESTINATION_SCHEMES)[number];
  bucket: string;
  /** Directory inside the bucket, without leading or trailing slashes; "" for the root. */
  directory: string;
}

// S3/GCS/R2 bucket names: 3–63 lowercase letters, digits, dots and hyphens, starting and ending alnum.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DIRECTORY_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Quotes part of a rejected URI for a message, cut short: a message must not echo a huge input. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/**
 * Parses `s3://bucket[/dir]?region=…`, `gs://bucket[/dir]`, `r2://bucket[/dir]?account-id=…`.
 * Returns a reason instead when the URI is not one of those forms.
 */
export function parseDestination(uri: string): Destination | { error: string } {
  const match = /^([a-z0-9]+):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?$/.exec(uri);
  if (!match)
    return { error: `${quoted(uri)} is not a bucket URI (expected s3://, gs:// or r2://<bucket>[/dir])` };
  const [, scheme, bucket, path] = match;
  if (!(DESTINATION_SCHEMES as readonly string[]).includes(scheme)) {
    return { error: `scheme ${quoted(`${scheme}://`)} is not supported (allowed: s3://, gs://, r2://)` };
  }
  if (!BUCKET_NAME.test(bucket) || bucket.includes("..")) {
    return {
      error: `bucket name ${quoted(bucket)} is not valid (3–63 characters: a-z, 0-9, "." and "-", starting and ending with a letter or digit)`,
    };
  }
  const segments = path.split("/").filter((s) => s !== "");
  for (const segment of segments) {
    if (segment === "." || segment === ".." || !DIRECTORY_SEGMENT.test(segment)) {
      return {
        error: `directory ${quoted(path)} is not valid (segments of A-Z, a-z, 0-9, ".", "_" and "-")`,
      };
    }
  }
  return { scheme: scheme as Destination["scheme"], bucket, directory: segments.join("/") };
}
