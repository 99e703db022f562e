/**
 * The emulator's own reading of the request rules (emulator/rules.ts), at the edges where a lenient
 * parser would let through what Cloudflare documents as invalid.
 */
import { isColoName, isIpv4Address, readBucketUri, rfc3339Ms } from "../../emulator/rules";

test.each([
  ["192.0.2.1", true],
  ["0.0.0.0", true],
  ["255.255.255.255", true],
  ["256.0.0.1", false],
  ["01.2.3.4", false], // a leading zero reads as octal in some parsers
  ["1.2.3", false],
  ["1.2.3.4.5", false],
  ["::1", false],
  [" 1.2.3.4", false],
])("IPv4 %j → %s", (text, valid) => {
  expect(isIpv4Address(text)).toBe(valid);
});

test.each([
  ["2026-11-30T12:00:00Z", Date.UTC(2026, 10, 30, 12)],
  ["2026-11-30T12:00:00.123+01:00", Date.UTC(2026, 10, 30, 11, 0, 0, 123)],
  ["2026-11-30 12:00:00z", Date.UTC(2026, 10, 30, 12)],
  ["2026-02-30T00:00:00Z", undefined], // Date.parse would roll this over to March 2nd
  ["2026-13-01T00:00:00Z", undefined],
  ["2026-11-30T24:00:00Z", undefined],
  ["2026-11-30T12:00:00", undefined], // no offset: not RFC 3339
  ["yesterday", undefined],
])("RFC 3339 %j → %s", (text, ms) => {
  expect(rfc3339Ms(text)).toBe(ms);
});

test.each([
  ["ord02", true],
  ["ORD", true],
  ["lhr_01-b", true],
  ["", false],
  ["-ord", false],
  ["ord 02", false],
])("colo_name %j → %s", (text, valid) => {
  expect(isColoName(text)).toBe(valid);
});

test.each([
  ["s3://my.bucket/a/b?region=us-east-1", { scheme: "s3", bucket: "my.bucket", folders: ["a", "b"] }],
  ["gs://my_bucket", { scheme: "gs", bucket: "my_bucket", folders: [] }],
  ["r2://my-bucket//x/?account-id=abc", { scheme: "r2", bucket: "my-bucket", folders: ["x"] }],
])("bucket URI %j is read", (uri, expected) => {
  expect(readBucketUri(uri)).toEqual(expected);
});

test.each([
  "s3://my_bucket", // underscores are Google Cloud Storage only
  "r2://my.bucket", // R2 names have no dots
  "s3://ab",
  `s3://${"a".repeat(64)}`,
  "s3://bucket/../x",
  "s3://bucket/%2e%2e",
  "s3://bucket#frag",
  "https://bucket",
  "s3:/bucket",
])("bucket URI %j is refused with a reason", (uri) => {
  expect(readBucketUri(uri)).toEqual({ problem: expect.any(String) });
});
