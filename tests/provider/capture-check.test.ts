import { UNKNOWN } from "../../provider/check";
import { providers } from "../../provider";

const { PacketCapture } = providers;
const PROVIDER = "serialized shim";
const ACCOUNT = "a".repeat(32);

async function failures(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const result = await PacketCapture.check!(olds, { __provider: PROVIDER, ...news });
  return (result.failures ?? []).map((f) => `${f.property}: ${f.reason}`);
}

const simple = { type: "simple", timeLimit: 60, packetLimit: 1000 };
const full = {
  type: "full",
  timeLimit: 600,
  coloName: "ord02",
  destinationConf: "s3://pcaps?region=us-east-1",
};

describe("PacketCapture check", () => {
  it("normalizes a valid simple capture (system defaults to magic-transit)", async () => {
    const result = await PacketCapture.check!(
      {},
      {
        __provider: PROVIDER,
        ...simple,
        filter: { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 },
      },
    );
    expect(result.failures).toBeUndefined();
    expect(result.inputs).toEqual({
      ...simple,
      system: "magic-transit",
      filter: { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 },
    });
  });

  it("accepts a valid full capture", async () => {
    expect(await failures({ ...full, byteLimit: 1_000_000, packetLimit: 10, stopped: false })).toEqual([]);
  });

  it.each<[Record<string, unknown>, RegExp]>([
    [{ timeLimit: 60, packetLimit: 1 }, /^type: is required: the capture type \("simple" or "full"\)/],
    [{ ...simple, type: "partial" }, /^type: must be "simple" or "full", not "partial"/],
    [{ ...simple, system: "spectrum" }, /^system: must be "magic-transit", not "spectrum"/],
    [
      { ...simple, timeLimit: 301 },
      /^timeLimit: must be an integer from 1 to 300 seconds for simple captures, not 301/,
    ],
    [
      { ...full, timeLimit: 86401 },
      /^timeLimit: must be an integer from 1 to 86400 seconds for full captures/,
    ],
    [{ ...simple, timeLimit: 1.5 }, /^timeLimit: must be an integer/],
    [
      { type: "simple", timeLimit: 60 },
      /^packetLimit: is required for simple captures: from 1 to 10000 packets/,
    ],
    [
      { ...simple, packetLimit: 10001 },
      /^packetLimit: must be an integer from 1 to 10000 packets, not 10001/,
    ],
    [{ ...simple, packetLimit: -1 }, /^packetLimit: must be an integer from 1 to 10000 packets, not -1/],
    [{ ...simple, packetLimit: "10" }, /^packetLimit: must be an integer .*not the string "10"/],
    [{ ...full, byteLimit: 0 }, /^byteLimit: must be an integer from 1 to 1000000000 bytes, not 0/],
    [{ ...full, coloName: undefined }, /^coloName: is required for full captures/],
    [{ ...full, destinationConf: undefined }, /^destinationConf: is required for full captures/],
    [{ ...full, destinationConf: "ftp://x" }, /^destinationConf: .*not supported/],
    [
      { ...simple, byteLimit: 10 },
      /^byteLimit: only full captures take byteLimit; remove it or use type "full"/,
    ],
    [{ ...simple, coloName: "ord02" }, /^coloName: only full captures take coloName/],
    [{ ...simple, stopped: true }, /^stopped: only full captures take stopped/],
    [{ ...full, offsetTime: new Date().toISOString() }, /^offsetTime: only simple captures take offsetTime/],
    [{ ...simple, offsetTime: "yesterday" }, /^offsetTime: must be an RFC 3339 time/],
    [{ ...simple, offsetTime: "2020-01-01T00:00:00Z" }, /^offsetTime: must be within the last 24 hours/],
    [
      { ...simple, filter: { sourceAddress: "300.1.1.1" } },
      /^filter\.sourceAddress: must be an IPv4 address/,
    ],
    [
      { ...simple, filter: { destinationAddress: "2001:db8::1" } },
      /^filter\.destinationAddress: must be an IPv4/,
    ],
    [{ ...simple, filter: { protocol: 256 } }, /^filter\.protocol: must be an integer from 0 to 255/],
    [
      { ...simple, filter: { destinationPort: 65536 } },
      /^filter\.destinationPort: must be an integer from 0 to 65535/,
    ],
    [{ ...simple, filter: "tcp port 443" }, /^filter: must be an object/],
    [{ ...simple, accountId: "ACCOUNT" }, /^accountId: must be a Cloudflare account id/],
    [{ ...simple, waitForCompletion: 1 }, /^waitForCompletion: must be true or false/],
    [
      { ...simple, completionTimeoutSeconds: 0 },
      /^completionTimeoutSeconds: must be an integer from 1 to 86400/,
    ],
  ])("rejects %j naming the property", async (news, expected) => {
    const found = await failures(news);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  it("does not hold an unchanged offsetTime to the 24-hour window again", async () => {
    const old = "2020-01-01T00:00:00Z";
    expect(await failures({ ...simple, offsetTime: old }, { ...simple, offsetTime: old })).toEqual([]);
  });

  it("lets unknown preview values pass, even inside the filter", async () => {
    expect(
      await failures({
        type: "full",
        timeLimit: UNKNOWN,
        coloName: "ord02",
        destinationConf: UNKNOWN,
        filter: { sourceAddress: UNKNOWN },
      }),
    ).toEqual([]);
  });
});

describe("PacketCapture diff", () => {
  const oldSimple = {
    ...simple,
    system: "magic-transit",
    accountId: ACCOUNT,
    status: "success",
    submitted: "2026-01-01T00:00:00Z",
  };
  const oldFull = { ...full, system: "magic-transit", accountId: ACCOUNT, status: "running" };
  const newsOf = (o: Record<string, unknown>) => {
    const { status: _s, submitted: _t, ...inputs } = o;
    return inputs;
  };

  it("nothing changed → no diff", async () => {
    expect(await PacketCapture.diff!("id", oldSimple, newsOf(oldSimple))).toMatchObject({
      changes: false,
      replaces: [],
    });
  });

  it("a captured field changed → replace; a full capture delete-before-replace", async () => {
    expect(await PacketCapture.diff!("id", oldSimple, { ...newsOf(oldSimple), timeLimit: 30 })).toEqual({
      changes: true,
      replaces: ["timeLimit"],
      deleteBeforeReplace: false,
    });
    expect(await PacketCapture.diff!("id", oldFull, { ...newsOf(oldFull), timeLimit: 30 })).toEqual({
      changes: true,
      replaces: ["timeLimit"],
      deleteBeforeReplace: true,
    });
    const filtered = { ...oldSimple, filter: { protocol: 6 } };
    expect(
      (await PacketCapture.diff!("id", filtered, { ...newsOf(filtered), filter: { protocol: 17 } })).replaces,
    ).toEqual(["filter"]);
    expect(
      (await PacketCapture.diff!("id", filtered, { ...newsOf(filtered), filter: { protocol: 6 } })).changes,
    ).toBe(false);
  });

  it("stopped false → true is an update; true → false replaces", async () => {
    expect(await PacketCapture.diff!("id", oldFull, { ...newsOf(oldFull), stopped: true })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const stopped = { ...oldFull, stopped: true };
    expect(await PacketCapture.diff!("id", stopped, { ...newsOf(stopped), stopped: false })).toEqual({
      changes: true,
      replaces: ["stopped"],
      deleteBeforeReplace: true,
    });
  });

  it("wait options only → an update that replaces nothing", async () => {
    expect(
      await PacketCapture.diff!("id", oldSimple, { ...newsOf(oldSimple), completionTimeoutSeconds: 100 }),
    ).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});
