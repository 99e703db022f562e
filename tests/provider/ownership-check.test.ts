import { UNKNOWN } from "../../provider/check";
import { providers } from "../../provider";

const { BucketOwnership, BucketOwnershipValidation } = providers;
const PROVIDER = "serialized shim";

async function failures(provider: typeof BucketOwnership, news: Record<string, unknown>) {
  const result = await provider.check!({}, { __provider: PROVIDER, ...news });
  return (result.failures ?? []).map((f) => `${f.property}: ${f.reason}`);
}

describe("BucketOwnership check", () => {
  it("accepts the three bucket URI forms and keeps only known inputs", async () => {
    for (const destinationConf of [
      "s3://pcaps?region=us-east-1",
      "gs://pcaps-eu/edge/ord",
      "r2://my-bucket/dir?account-id=0123456789abcdef0123456789abcdef",
    ]) {
      const result = await BucketOwnership.check!({}, { __provider: PROVIDER, destinationConf, extra: 1 });
      expect(result.failures).toBeUndefined();
      expect(result.inputs).toEqual({ destinationConf });
    }
  });

  it.each([
    [{}, /^destinationConf: is required: a bucket URI: s3:\/\//],
    [
      { destinationConf: "ftp://x" },
      /^destinationConf: .*scheme "ftp:\/\/" is not supported \(allowed: s3:\/\/, gs:\/\/, r2:\/\/\)/,
    ],
    [{ destinationConf: 42 }, /^destinationConf: must be a bucket URI.*not a number/],
    [{ destinationConf: "s3://../etc" }, /^destinationConf: bucket name "\.\." is not valid/],
    [{ destinationConf: "s3://ok-bucket/../../etc" }, /^destinationConf: directory .* is not valid/],
    [
      { destinationConf: "s3://bkt-1?region=x", ownershipChallenge: "" },
      /^ownershipChallenge: must not be empty/,
    ],
    [
      { destinationConf: "s3://bkt-1?region=x", accountId: "xyz" },
      /^accountId: must be a Cloudflare account id/,
    ],
    [{ destinationConf: "s3://bkt-1?region=x", adopt: "yes" }, /^adopt: must be true or false/],
    [
      { destinationConf: "s3://bkt-1?region=x", validationTimeoutSeconds: 0 },
      /^validationTimeoutSeconds: must be an integer from 1 to 86400 seconds, not 0/,
    ],
    [
      { destinationConf: "s3://bkt-1?region=x", validationTimeoutSeconds: NaN },
      /^validationTimeoutSeconds: must be an integer from 1 to 86400 seconds, not NaN/,
    ],
  ])("rejects %j naming the property", async (news, expected) => {
    const found = await failures(BucketOwnership, news);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  it("lets unknown preview values through, untouched", async () => {
    const result = await BucketOwnership.check!(
      {},
      { __provider: PROVIDER, destinationConf: UNKNOWN, ownershipChallenge: UNKNOWN },
    );
    expect(result.failures).toBeUndefined();
    expect(result.inputs).toEqual({ destinationConf: UNKNOWN, ownershipChallenge: UNKNOWN });
  });

  it("still reports known bad values next to unknown ones", async () => {
    expect(await failures(BucketOwnership, { destinationConf: UNKNOWN, adopt: 3 })).toEqual([
      "adopt: must be true or false, not a number",
    ]);
  });
});

describe("BucketOwnershipValidation check", () => {
  it("requires the challenge", async () => {
    expect(await failures(BucketOwnershipValidation, { destinationConf: "gs://bucket-x" })).toEqual([
      "ownershipChallenge: is required: the contents of the challenge file Cloudflare wrote into the bucket",
    ]);
  });
});

describe("BucketOwnership diff", () => {
  const old = {
    accountId: "a".repeat(32),
    destinationConf: "s3://bkt-1?region=x",
    filename: "ownership-challenge-x.txt",
    status: "success",
    ownershipChallenge: "token-1",
  };
  const news = {
    destinationConf: "s3://bkt-1?region=x",
    accountId: "a".repeat(32),
    ownershipChallenge: "token-1",
  };
  const diff = (n: Record<string, unknown>, o: Record<string, unknown> = old) =>
    BucketOwnership.diff!("id", o, n);

  it("no change → no diff", async () => {
    expect(await diff(news)).toEqual({ changes: false, replaces: [] });
  });

  it("destination or account → replace", async () => {
    expect(await diff({ ...news, destinationConf: "s3://bkt-2?region=x" })).toEqual({
      changes: true,
      replaces: ["destinationConf"],
    });
    expect(await diff({ ...news, accountId: "b".repeat(32) })).toEqual({
      changes: true,
      replaces: ["accountId"],
    });
    expect((await diff({ ...news, destinationConf: UNKNOWN })).replaces).toEqual(["destinationConf"]);
  });

  it("challenge, adopt, timeout → update", async () => {
    expect(await diff({ ...news, ownershipChallenge: "token-2" })).toEqual({ changes: true, replaces: [] });
    expect(await diff({ ...news, adopt: true })).toEqual({ changes: true, replaces: [] });
    expect(await diff({ ...news, validationTimeoutSeconds: 30 })).toEqual({ changes: true, replaces: [] });
  });

  it("an unvalidated registration with a declared challenge is unfinished → update", async () => {
    expect(await diff(news, { ...old, status: "failed" })).toEqual({ changes: true, replaces: [] });
    const { ownershipChallenge: _none, ...withoutChallenge } = news;
    expect(
      await diff(withoutChallenge, { ...old, status: "pending", ownershipChallenge: undefined }),
    ).toEqual({
      changes: false,
      replaces: [],
    });
  });
});
