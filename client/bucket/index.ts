/** A full capture's bucket: where its files are, and reading them through the S3 API. */
export { PcapStorageError } from "./errors";
export { bucketLocation, capturePrefix, type BucketLocation } from "./location";
export {
  s3Settings,
  R2_ACCESS_KEY_ID_VARIABLE,
  R2_SECRET_ACCESS_KEY_VARIABLE,
  S3_ENDPOINT_VARIABLES,
  type S3Settings,
} from "./s3-settings";
export { S3_MODULE, type ModuleLoader } from "./s3-module";
export {
  openStorage,
  gcsRefusal,
  type CaptureStorage,
  type StoredObject,
  type StorageFactory,
  type StorageOptions,
} from "./storage";
export type { FetchProgress } from "./fetch-parts";
