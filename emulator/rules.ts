/**
 * The request rules of Cloudflare's PCAP API as the emulator reads them from PCAP-API.md ("Capture
 * request body", "Bucket ownership"). Written apart from the client's own rules on purpose: where the two
 * readings differ, a test between them fails instead of both agreeing on the same mistake.
 */

/** `system`: the only product that has packet captures. */
export const SYSTEMS: readonly string[] = ["magic-transit"];
/** `type`: a sampled capture answered from traffic already seen, or a full one into a bucket. */
export const TYPES: readonly string[] = ["simple", "full"];

/** An inclusive range of whole numbers. */
export interface WholeRange {
  min: number;
  max: number;
}

/** The numeric fields' bounds (time limits in seconds). */
export const BOUNDS = {
  simpleTimeLimit: { min: 1, max: 300 },
  // 86400 in the 2026 schema; the 2024 schema and one docs page said 300. The later schema wins.
  fullTimeLimit: { min: 1, max: 86_400 },
  packetLimit: { min: 1, max: 10_000 },
  byteLimit: { min: 1, max: 1_000_000_000 },
  protocol: { min: 0, max: 255 },
  port: { min: 0, max: 65_535 },
} satisfies Record<string, WholeRange>;

/** How far back a simple capture's `offset_time` may point. */
export const OFFSET_WINDOW_MS = 86_400_000;

export function isWholeIn(value: unknown, range: WholeRange): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= range.min && value <= range.max;
}

/** Dotted-quad IPv4: four decimal octets 0–255, no leading zeros (which some parsers read as octal). */
export function isIpv4Address(text: string): boolean {
  const octets = text.split(".");
  return (
    octets.length === 4 &&
    octets.every((octet) => /^(0|[1-9][0-9]{0,2})$/.test(octet) && Number(octet) <= 255)
  );
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp, or undefined when the text is not one — including
 * impossible dates such as February 30th, which `Date.parse` would quietly roll over.
 */
export function rfc3339Ms(text: string): number | undefined {
  const parts = TIMESTAMP.exec(text);
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  if (parts[7] !== undefined && (Number(parts[8]) > 23 || Number(parts[9]) > 59)) return undefined;
  const ms = Date.parse(text.replace(" ", "T"));
  return Number.isNaN(ms) ? undefined : ms;
}

/** `colo_name`: a data centre (`ord02`) or a city code (`ORD`). */
export function isColoName(text: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(text);
}

/** A bucket URI taken apart: where the emulator keeps that bucket's files. */
export interface BucketUri {
  scheme: "s3" | "gs" | "r2";
  bucket: string;
  /** Folders inside the bucket, outermost first; empty for the bucket's root. */
  folders: string[];
}

/**
 * Bucket names per scheme: S3 and R2 take 3–63 lowercase letters, digits, dots and hyphens; Google Cloud
 * Storage also takes underscores. All start and end with a letter or digit.
 */
const BUCKET_NAMES: Record<BucketUri["scheme"], RegExp> = {
  s3: /^[a-z0-9](?:[a-z0-9.-]{1,61})[a-z0-9]$/,
  r2: /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/,
  gs: /^[a-z0-9](?:[a-z0-9._-]{1,61})[a-z0-9]$/,
};
const FOLDER = /^[A-Za-z0-9_.-]+$/;

/** Cuts a rejected value short for a message: a message must never echo a huge input. */
function excerpt(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/**
 * Reads `s3://<bucket>[/<dir>]?region=…`, `gs://<bucket>[/<dir>]` or `r2://<bucket>[/<dir>]?account-id=…`
 * (the query is the provider's business and not checked). Anything else — other schemes, odd characters,
 * `.` or `..` folders, percent-encoding — is refused with the reason, so no name can leave the bucket.
 */
export function readBucketUri(uri: string): BucketUri | { problem: string } {
  const separator = uri.indexOf("://");
  const scheme = separator < 0 ? "" : uri.slice(0, separator);
  if (scheme !== "s3" && scheme !== "gs" && scheme !== "r2") {
    return { problem: `${excerpt(uri)} is not an s3://, gs:// or r2:// bucket URI` };
  }
  const rest = uri.slice(separator + 3);
  const queryAt = rest.indexOf("?");
  const location = queryAt < 0 ? rest : rest.slice(0, queryAt);
  if (rest.includes("#")) return { problem: `${excerpt(uri)} has a fragment; a bucket URI has none` };
  const [bucket, ...path] = location.split("/");
  if (!BUCKET_NAMES[scheme].test(bucket) || bucket.includes("..")) {
    return {
      problem: `bucket name ${excerpt(bucket)} is not a valid ${scheme} bucket name (3–63 lowercase letters, digits, "-"${scheme === "r2" ? "" : ', "."'}${scheme === "gs" ? ', "_"' : ""}; starting and ending with a letter or digit)`,
    };
  }
  // "a//b" names the same folder as "a/b"; empty segments are dropped, everything else must be a plain name.
  const folders = path.filter((segment) => segment !== "");
  const bad = folders.find((f) => f === "." || f === ".." || !FOLDER.test(f));
  if (bad !== undefined) {
    return {
      problem: `folder ${excerpt(bad)} is not valid (letters, digits, ".", "_" and "-"; not "." or "..")`,
    };
  }
  return { scheme, bucket, folders };
}
