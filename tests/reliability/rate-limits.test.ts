/**
 * Rate limits: `up` of 100 resources against an emulator whose global limit is shrunk to 60 requests
 * per 5 s, with Cloudflare's lockout. With the client's budget under the server's (stack config
 * `cloudflare-pcap:rateLimit`), not one 429 is served; with it above, the 429s and their `retry-after`
 * are sat out and the deployment still completes. Either way no step fails and every resource exists
 * exactly once.
 */
import { BucketOwnership, PacketCapture } from "../../sdk";
import { startPcapStack, type PcapStack } from "../support/pcap-stack";
import { custom, idsOf, TYPES } from "./support";

const SERVER_LIMIT = "60/5";
const OWNERSHIPS = 50;
const CAPTURES = 50;

/** 100 resources, one create request each. */
async function program(): Promise<void> {
  for (let i = 0; i < OWNERSHIPS; i++) {
    new BucketOwnership(`bucket-${i}`, { destinationConf: `r2://rate-bucket-${i}?account-id=x` });
  }
  for (let i = 0; i < CAPTURES; i++) {
    new PacketCapture(`capture-${i}`, { type: "simple", timeLimit: 10, packetLimit: 100 + i });
  }
}

let env: PcapStack | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

function expectAllCreatedOnce(pcap: PcapStack): void {
  const { stack, emulator } = pcap;
  expect(custom(stack)).toHaveLength(OWNERSHIPS + CAPTURES);
  expect(
    emulator
      .ownerships()
      .map((o) => o.id)
      .sort(),
  ).toEqual(idsOf(stack, TYPES.ownership).sort());
  expect(
    emulator
      .captures()
      .map((c) => c.id)
      .sort(),
  ).toEqual(idsOf(stack, TYPES.capture).sort());
}

test("the client's budget under the server's limit: 100 resources, zero 429s served", async () => {
  env = await startPcapStack({
    emulator: { rateLimit: SERVER_LIMIT },
    config: { "cloudflare-pcap:rateLimit": "55/5" },
  });
  const started = Date.now();
  const result = await env.stack.up(program);
  const seconds = (Date.now() - started) / 1000;
  expect(result.summary).toEqual({ create: OWNERSHIPS + CAPTURES });
  expect(env.emulator.statusCounts()).toEqual({ "200": OWNERSHIPS + CAPTURES });
  expectAllCreatedOnce(env);
  // 100 requests at 55 per 5 s: the second batch waited for the window.
  expect(seconds).toBeGreaterThan(4.5);
  console.log(
    `rate limits (client 55/5 under server ${SERVER_LIMIT}): 100 resources in ${seconds.toFixed(1)} s, 0 × 429`,
  );
}, 60_000);

test("the client's budget above the server's limit: 429s with retry-after are sat out, nothing fails", async () => {
  // Rate-limit headers only on 429s (all the public sources confirm): the client cannot see the server's
  // window filling up, so it meets the lockout and must sit it out.
  env = await startPcapStack({
    emulator: { rateLimit: SERVER_LIMIT, rateLimitHeaders: "429-only" },
    config: { "cloudflare-pcap:rateLimit": "1000/5" },
  });
  const started = Date.now();
  const result = await env.stack.up(program);
  const seconds = (Date.now() - started) / 1000;
  expect(result.summary).toEqual({ create: OWNERSHIPS + CAPTURES });
  expect(result.steps.filter((s) => s.error)).toEqual([]);
  const counts = env.emulator.statusCounts();
  expect(counts["200"]).toBe(OWNERSHIPS + CAPTURES);
  expect(counts["429"]).toBeGreaterThan(0);
  // The client paused every request on the first lockout answer (code 971), so only the requests
  // already on their way were refused: no retry storm.
  expect(counts["429"]).toBeLessThanOrEqual(3);
  expect(result.log.some((line) => /rate limited .*waiting/.test(line))).toBe(true);
  expectAllCreatedOnce(env);
  console.log(
    `rate limits (client 1000/5 over server ${SERVER_LIMIT}): 100 resources in ${seconds.toFixed(1)} s, ${counts["429"]} × 429 sat out`,
  );
}, 60_000);

test("the client's budget above the server's limit, with the server's window in every answer: no 429 at all", async () => {
  env = await startPcapStack({
    emulator: { rateLimit: SERVER_LIMIT },
    config: { "cloudflare-pcap:rateLimit": "1000/5" },
  });
  const result = await env.stack.up(program);
  expect(result.summary).toEqual({ create: OWNERSHIPS + CAPTURES });
  // x-ratelimit-remaining told the client the window was spent: it waited for the reset instead.
  expect(env.emulator.statusCounts()["429"] ?? 0).toBe(0);
  expectAllCreatedOnce(env);
}, 60_000);
