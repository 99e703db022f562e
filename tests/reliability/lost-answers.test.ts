/**
 * Lost answers at the worst moment, replayed deterministically (the fault soak meets them only now and
 * then): the provider's create, called in-process as the plugin calls it, against a small fake API that
 * applies a request and then drops its answer exactly when told. Nothing may be created that state will
 * not know: such an ownership blocks its bucket for good (re-registering is a 409), such a capture is an
 * orphan and a duplicate.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { providers } from "../../provider";
import { PartialFailure } from "../../provider/partial-failure";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const PROVIDER = "serialized shim";
const DEST = "s3://lost-answers?region=us-east-1";

type Step = "apply" | "apply-then-drop" | "fail-500" | "fail-400";

/** A fake account: lists what was applied; each POST takes the next step of its script. */
class FakeApi {
  readonly ownerships: Record<string, unknown>[] = [];
  readonly captures: Record<string, unknown>[] = [];
  readonly log: string[] = [];
  private server!: Server;
  url = "";

  constructor(private readonly script: Record<string, Step[]>) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => this.handle(req, res, body));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/client/v4`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Random, as the API's: the provider process remembers ids it claimed across tests. */
  private nextId(): string {
    return randomBytes(16).toString("hex");
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const path = (req.url ?? "").replace(`/client/v4/accounts/${ACCOUNT}`, "");
    const key = `${req.method} ${path}`;
    this.log.push(key);
    const send = (status: number, result: unknown, errors: unknown[] = []) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: status < 400, errors, messages: [], result }));
    };
    if (req.method === "GET" && path === "/pcaps/ownership") return send(200, this.ownerships);
    if (req.method === "GET" && path === "/pcaps") return send(200, this.captures);
    const step = this.script[key]?.shift() ?? "apply";
    if (step === "fail-500") return send(500, null, [{ code: 1000, message: "Internal server error" }]);
    if (step === "fail-400") return send(400, null, [{ code: 1204, message: "not registered (yet)" }]);
    const now = new Date().toISOString();
    let result: Record<string, unknown>;
    if (key === "POST /pcaps/ownership") {
      const id = this.nextId();
      const { destination_conf } = JSON.parse(body) as { destination_conf: string };
      result = {
        id,
        destination_conf,
        filename: `ownership-challenge-${id}.txt`,
        status: "pending",
        submitted: now,
      };
      this.ownerships.push(result);
    } else if (key === "POST /pcaps") {
      // As the API answers: the request's fields without packet_limit, which no capture object carries.
      const { packet_limit: _notReported, ...echoed } = JSON.parse(body) as Record<string, unknown>;
      result = { ...echoed, id: this.nextId(), status: "pending", submitted: now };
      this.captures.unshift(result);
    } else {
      return send(404, null, [{ code: 7000, message: `no route ${key}` }]);
    }
    if (step === "apply-then-drop") return void res.socket?.destroy();
    send(200, result);
  }
}

let api: FakeApi | undefined;
const savedEnv = { ...process.env };

async function fakeApi(script: Record<string, Step[]>): Promise<FakeApi> {
  api = new FakeApi(script);
  await api.start();
  process.env.CLOUDFLARE_API_TOKEN = "lost-answers-token";
  process.env.CLOUDFLARE_BASE_URL = api.url;
  process.env.CLOUDFLARE_ACCOUNT_ID = ACCOUNT;
  // This fake has no one-per-minute rule, so the provider need not pace its simple captures.
  process.env.CLOUDFLARE_PCAP_SIMPLE_CAPTURE_INTERVAL_SECONDS = "0";
  return api;
}

beforeEach(() => {
  // The provider's progress lines (stderr, for the engine to show): not this test's output.
  jest.spyOn(process.stderr, "write").mockImplementation(() => true);
});

afterEach(async () => {
  jest.restoreAllMocks();
  await api?.close();
  api = undefined;
  process.env = { ...savedEnv };
});

describe("BucketOwnership.create", () => {
  it("reconciles a lost answer on the last attempt too: the registration it made is found, not orphaned", async () => {
    // 1st POST: 500 (nothing applied) → list: nothing → 2nd POST: applied, answer lost → list: found.
    const fake = await fakeApi({ "POST /pcaps/ownership": ["fail-500", "apply-then-drop"] });
    const created = await providers.BucketOwnership.create!({ __provider: PROVIDER, destinationConf: DEST });
    expect(fake.ownerships).toHaveLength(1);
    expect(created.id).toBe(fake.ownerships[0].id);
    expect(fake.log.filter((l) => l === "POST /pcaps/ownership")).toHaveLength(2);
  });

  it("three lost answers that applied nothing end in a clear error, with nothing registered", async () => {
    const fake = await fakeApi({ "POST /pcaps/ownership": ["fail-500", "fail-500", "fail-500"] });
    const err = await providers.BucketOwnership.create!({
      __provider: PROVIDER,
      destinationConf: DEST,
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^register bucket s3:\/\/lost-answers.*may or may not have been applied/,
    );
    expect(fake.ownerships).toEqual([]);
    expect(fake.log.filter((l) => l === "POST /pcaps/ownership")).toHaveLength(3);
  });

  it("a registration that fails to validate stays in state (partial failure), not orphaned", async () => {
    const fake = await fakeApi({ "POST /pcaps/ownership/validate": ["fail-400"] });
    const err = await providers.BucketOwnership.create!({
      __provider: PROVIDER,
      destinationConf: DEST,
      ownershipChallenge: "challenge-text",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialFailure);
    const partial = err as PartialFailure;
    expect(partial.id).toBe(fake.ownerships[0].id);
    expect(partial.properties).toMatchObject({
      destinationConf: DEST,
      status: "pending",
      __provider: PROVIDER,
    });
    expect(partial.reasons[0]).toMatch(/^validate bucket s3:\/\/lost-answers.*not registered \(yet\)/);
  });
});

describe("PacketCapture.create", () => {
  const simple = {
    __provider: PROVIDER,
    type: "simple",
    system: "magic-transit",
    timeLimit: 10,
    packetLimit: 42,
  };

  it("reconciles a lost answer on the last attempt too: the capture it made is found, not orphaned", async () => {
    const fake = await fakeApi({ "POST /pcaps": ["fail-500", "fail-500", "apply-then-drop"] });
    const created = await providers.PacketCapture.create!(simple);
    expect(fake.captures).toHaveLength(1);
    expect(created.id).toBe(fake.captures[0].id);
    expect(fake.log.filter((l) => l === "POST /pcaps")).toHaveLength(3);
  });

  it("three lost answers that applied nothing end in a clear error, with no capture made", async () => {
    const fake = await fakeApi({ "POST /pcaps": ["fail-500", "fail-500", "fail-500"] });
    const err = await providers.PacketCapture.create!(simple).catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(
      /^create simple packet capture .*may or may not have been applied/,
    );
    expect(fake.captures).toEqual([]);
  });

  it("a lost answer matched by two captures (another tool made the same one) fails naming both, claiming neither", async () => {
    const fake = await fakeApi({ "POST /pcaps": ["apply-then-drop"] });
    const other = "f".repeat(32);
    // Made by someone else a moment ago, with a packet limit the list cannot show.
    fake.captures.push({
      id: other,
      type: "simple",
      system: "magic-transit",
      time_limit: 10,
      status: "pending",
      submitted: new Date().toISOString(),
    });
    const err = await providers.PacketCapture.create!(simple).catch((e: unknown) => e as Error);
    const mine = fake.captures.find((c) => c.id !== other)!.id as string;
    expect((err as Error).message).toMatch(
      /^create simple packet capture in account \w+: the answer was lost, and 2 captures/,
    );
    expect((err as Error).message).toContain(`${mine}, ${other}`);
    expect((err as Error).message).toContain(
      "every field the API reports (type, system, time_limit, filter_v1, submitted since the request)",
    );
    expect((err as Error).message).toContain("pulumi-cloudflare-pcap list");
    expect(fake.log.filter((l) => l === "POST /pcaps")).toHaveLength(1);
  });

  it("a capture submitted before the attempt (beyond clock skew) or with other reported fields is never taken", async () => {
    const fake = await fakeApi({ "POST /pcaps": ["apply-then-drop"] });
    const base = { type: "simple", system: "magic-transit", time_limit: 10, status: "success" };
    fake.captures.push(
      { ...base, id: "a".repeat(32), submitted: new Date(Date.now() - 10 * 60_000).toISOString() },
      { ...base, id: "b".repeat(32), time_limit: 11, submitted: new Date().toISOString() },
      { ...base, id: "c".repeat(32), filter_v1: { protocol: 6 }, submitted: new Date().toISOString() },
    );
    const created = await providers.PacketCapture.create!(simple);
    expect(created.id).not.toMatch(/^(a+|b+|c+)$/);
    expect(fake.captures.map((c) => c.id)).toContain(created.id);
  });
});
