/**
 * How a destination becomes storage settings, without any network: R2's endpoint and keys, S3's
 * region and path-style rule, the GCS refusal, and the message when @aws-sdk/client-s3 is missing.
 */
import {
  PcapStorageError,
  bucketLocation,
  capturePrefix,
  openStorage,
  s3Settings,
  saveCapture,
  PcapClient,
} from "../../client";
import { startEmulator } from "../../emulator";

const OP = "save packet capture";
const R2_ACCOUNT = "0123456789abcdef0123456789abcdef";
const CAPTURE = "fedcba9876543210fedcba9876543210";

describe("bucket locations", () => {
  test("the query's region and account-id are read; the prefix is <dir>/pcap_<id>", () => {
    const s3 = bucketLocation("s3://pcaps/a/b?region=eu-west-1", OP);
    expect(s3).toMatchObject({ scheme: "s3", bucket: "pcaps", directory: "a/b", region: "eu-west-1" });
    expect(s3.display).toBe("s3://pcaps/a/b");
    expect(capturePrefix(s3, CAPTURE)).toBe(`a/b/pcap_${CAPTURE}`);
    const r2 = bucketLocation(`r2://pcaps?account-id=${R2_ACCOUNT}`, OP);
    expect(r2).toMatchObject({ scheme: "r2", directory: "", r2AccountId: R2_ACCOUNT });
    expect(capturePrefix(r2, CAPTURE)).toBe(`pcap_${CAPTURE}`);
    expect(() => bucketLocation("ftp://pcaps", OP)).toThrow(PcapStorageError);
  });
});

describe("S3 settings", () => {
  test("s3://: the destination's region, the SDK's own chain; the endpoint variable from the env given, path-style then", () => {
    const location = bucketLocation("s3://pcaps/edge?region=eu-west-1", OP);
    expect(s3Settings(location, {}, OP)).toEqual({
      region: "eu-west-1",
      forcePathStyle: false,
      credentialSource: expect.stringContaining("AWS default credential chain"),
      endpointSource: "Amazon S3 in eu-west-1",
    });
    const custom = s3Settings(location, { AWS_ENDPOINT_URL: "http://minio:9000" }, OP);
    // Passed on from the env given: the SDK itself would read only process.env.
    expect(custom).toMatchObject({ forcePathStyle: true, endpoint: "http://minio:9000" });
    expect(custom.endpointSource).toBe(
      "the S3-compatible endpoint http://minio:9000 (from AWS_ENDPOINT_URL)",
    );
    const specific = s3Settings(
      location,
      { AWS_ENDPOINT_URL_S3: "http://a", AWS_ENDPOINT_URL: "http://b" },
      OP,
    );
    expect(specific).toMatchObject({ endpoint: "http://a" });
    expect(specific.endpointSource).toContain("http://a (from AWS_ENDPOINT_URL_S3)");
    expect(s3Settings(bucketLocation("s3://pcaps", OP), { AWS_REGION: "ap-south-1" }, OP).region).toBe(
      "ap-south-1",
    );
  });

  test("r2://: endpoint from the account id, region auto, keys from CLOUDFLARE_R2_* (else the AWS chain)", () => {
    const location = bucketLocation(`r2://pcaps/edge?account-id=${R2_ACCOUNT}`, OP);
    const keys = { CLOUDFLARE_R2_ACCESS_KEY_ID: "id-1", CLOUDFLARE_R2_SECRET_ACCESS_KEY: "secret-1" };
    expect(s3Settings(location, keys, OP)).toEqual({
      region: "auto",
      endpoint: `https://${R2_ACCOUNT}.r2.cloudflarestorage.com`,
      forcePathStyle: true,
      credentials: { accessKeyId: "id-1", secretAccessKey: "secret-1" },
      credentialSource: "CLOUDFLARE_R2_ACCESS_KEY_ID / CLOUDFLARE_R2_SECRET_ACCESS_KEY",
      endpointSource: `R2 at https://${R2_ACCOUNT}.r2.cloudflarestorage.com`,
    });
    const chain = s3Settings(location, {}, OP);
    expect(chain.credentials).toBeUndefined();
    expect(chain.credentialSource).toContain("AWS default credential chain");
    expect(() => s3Settings(location, { CLOUDFLARE_R2_SECRET_ACCESS_KEY: "secret-2" }, OP)).toThrow(
      /CLOUDFLARE_R2_ACCESS_KEY_ID is not set, but its partner is/,
    );
    try {
      s3Settings(location, { CLOUDFLARE_R2_SECRET_ACCESS_KEY: "secret-2" }, OP);
    } catch (err) {
      expect((err as Error).message).not.toContain("secret-2");
    }
    expect(() => s3Settings(bucketLocation("r2://pcaps", OP), keys, OP)).toThrow(/no valid \?account-id=/);
  });
});

test("without @aws-sdk/client-s3 the error says how to install it", () => {
  const missing = (name: string): never => {
    throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
  };
  const location = bucketLocation("s3://pcaps/edge?region=us-east-1", OP);
  const open = () => openStorage(location, OP, { loadModule: missing, env: {} });
  expect(open).toThrow(PcapStorageError);
  expect(open).toThrow(
    `${OP}: fetching a full capture from s3://pcaps/edge needs @aws-sdk/client-s3: npm install @aws-sdk/client-s3`,
  );
});

test("gs:// is refused with the gcloud command and the merge that work instead", async () => {
  const emulator = await startEmulator({ timeScale: 1e-6 });
  const client = new PcapClient({ credentials: { apiToken: emulator.token }, baseUrl: emulator.url });
  try {
    const dest = "gs://pcaps-gcs/edge";
    await client.addOwnership(emulator.accountId, dest);
    await client.validateOwnership(emulator.accountId, dest, emulator.readChallenge(dest));
    const created = await client.createCapture(emulator.accountId, {
      type: "full",
      system: "magic-transit",
      timeLimit: 10,
      coloName: "ord02",
      destinationConf: dest,
      packetLimit: 20,
    });
    await emulator.advance(30);
    const saving = saveCapture(client, emulator.accountId, created.id, "/nonexistent/never-written.pcap");
    await expect(saving).rejects.toThrow(PcapStorageError);
    await expect(saving).rejects.toThrow(
      "fetching from Google Cloud Storage (gs://) is not supported: this package is tested against a real S3 " +
        "implementation only, and no real implementation of the GCS API can run in its tests. Fetch the files " +
        `with \`gcloud storage cp 'gs://pcaps-gcs/edge/pcap_${created.id}*' .\` and merge them with ` +
        `\`pulumi-cloudflare-pcap merge pcap_${created.id}*.pcap -o <file>\``,
    );
  } finally {
    await client.close();
    await emulator.close();
  }
});
