/**
 * The errors of fetching a full capture's files from its bucket. They belong to the package's one
 * hierarchy (under {@link PcapError}); none ever carries a credential's value, only where it came from.
 */
import { PcapError } from "../errors";

/**
 * The bucket said no, or could not be reached: no parts under the prefix, a listed part gone, access
 * denied, a missing bucket, an unsupported scheme (gs://), or the optional S3 module not installed.
 * `bucket` is the destination's bucket URI without its query, e.g. `s3://pcaps/edge`.
 */
export class PcapStorageError extends PcapError {
  readonly bucket: string;

  constructor(operation: string, bucket: string, message: string, options?: { cause?: unknown }) {
    super(operation, `${operation}: ${message}`, options);
    this.bucket = bucket;
  }
}
