/**
 * Cloudflare's official TypeScript SDK (generated from the same OpenAPI schema as the real API) against
 * the emulator: if the SDK can drive every endpoint, the wire shapes are right.
 */
import Cloudflare from "cloudflare";
import { closeAll, emulator } from "./helpers";

afterEach(closeAll);

test("the official SDK drives every endpoint", async () => {
  const h = await emulator({ timeScale: 1e-6 });
  const client = new Cloudflare({ apiToken: h.token, baseURL: h.url, maxRetries: 0 });
  const account_id = h.accountId;
  const pcaps = client.magicTransit.pcaps;
  const destination_conf = "s3://sdk-bucket?region=us-east-1";

  const ownership = await pcaps.ownership.create({ account_id, destination_conf });
  expect(ownership.status).toBe("pending");
  const owned = [];
  for await (const o of pcaps.ownership.get({ account_id })) owned.push(o);
  expect(owned.map((o) => o.id)).toEqual([ownership.id]);
  const validated = await pcaps.ownership.validate({
    account_id,
    destination_conf,
    ownership_challenge: h.readChallenge(destination_conf),
  });
  expect(validated.status).toBe("success");

  const simple = await pcaps.create({
    account_id,
    system: "magic-transit",
    type: "simple",
    time_limit: 5,
    packet_limit: 10,
  });
  const full = await pcaps.create({
    account_id,
    system: "magic-transit",
    type: "full",
    time_limit: 300,
    colo_name: "ord02",
    destination_conf,
  });
  expect((await pcaps.get(full.id as string, { account_id })).status).toBe("pending");
  const listed = [];
  for await (const c of pcaps.list({ account_id })) listed.push(c.id);
  expect(listed).toEqual([full.id, simple.id]);

  await h.advance(10);
  const download = await pcaps.download.get(simple.id as string, { account_id });
  expect(download.headers.get("content-type")).toBe("application/vnd.tcpdump.pcap");
  expect(Buffer.from(await download.arrayBuffer()).readUInt32LE(0)).toBe(0xa1b2c3d4);

  await pcaps.stop(full.id as string, { account_id }); // 204: the SDK resolves with no value
  const stopped = await pcaps.get(full.id as string, { account_id });
  expect(stopped).toHaveProperty("stop_requested");
  await expect(pcaps.stop(simple.id as string, { account_id })).rejects.toBeInstanceOf(
    Cloudflare.BadRequestError,
  );

  await pcaps.ownership.delete(ownership.id, { account_id });
  expect(h.ownerships()).toEqual([]);
  await expect(pcaps.ownership.delete(ownership.id, { account_id })).rejects.toBeInstanceOf(
    Cloudflare.NotFoundError,
  );
  await expect(
    new Cloudflare({ apiToken: "wrong", baseURL: h.url, maxRetries: 0 }).magicTransit.pcaps.get(
      full.id as string,
      { account_id },
    ),
  ).rejects.toBeInstanceOf(Cloudflare.PermissionDeniedError);
  const legacy = new Cloudflare({ apiEmail: h.email, apiKey: h.apiKey, baseURL: h.url, maxRetries: 0 });
  expect((await legacy.magicTransit.pcaps.get(full.id as string, { account_id })).id).toBe(full.id);
});
