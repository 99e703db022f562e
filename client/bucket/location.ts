/**
 * Where a full capture's files are: the bucket of its `destination_conf`, read with the client's one
 * reading of bucket URIs ({@link parseDestination}) plus the query parameters the storage needs.
 */
import { parseDestination, type Destination } from "../rules";
import { PcapStorageError } from "./errors";

/** A parsed `destination_conf`, with what fetching needs from its query. */
export interface BucketLocation extends Destination {
  /** The URI as Cloudflare holds it (never contains keys: Cloudflare's docs say to leave them out). */
  destinationConf: string;
  /** `s3://bucket/dir`: the URI without its query, for messages. */
  display: string;
  /** S3: `?region=`. */
  region?: string;
  /** R2: `?account-id=`, the Cloudflare account that owns the bucket. */
  r2AccountId?: string;
}

/** Reads a `destination_conf`; throws a {@link PcapStorageError} for one that is not a bucket URI. */
export function bucketLocation(destinationConf: string, operation: string): BucketLocation {
  const parsed = parseDestination(destinationConf);
  if ("error" in parsed) {
    throw new PcapStorageError(operation, destinationConf, `destination_conf ${parsed.error}`);
  }
  const queryAt = destinationConf.indexOf("?");
  const query = new URLSearchParams(queryAt < 0 ? "" : destinationConf.slice(queryAt + 1));
  const display = `${parsed.scheme}://${parsed.bucket}${parsed.directory ? `/${parsed.directory}` : ""}`;
  const location: BucketLocation = { ...parsed, destinationConf, display };
  const region = query.get("region");
  if (region) location.region = region;
  const accountId = query.get("account-id");
  if (accountId) location.r2AccountId = accountId;
  return location;
}

/**
 * The object-key prefix of a capture's files: `<dir>/pcap_<id>`. Cloudflare names them
 * `pcap_<id>…pcap` (one per edge server); the published docs do not say what tells them apart, so
 * every object starting with the prefix is a part.
 */
export function capturePrefix(location: Destination, captureId: string): string {
  return `${location.directory ? `${location.directory}/` : ""}pcap_${captureId}`;
}
