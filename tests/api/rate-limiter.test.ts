import { RateLimiter, parseRateLimit, sharedRateLimiter } from "../../client/rate-limiter";

/** A clock the test moves by hand, so the limiter's windows are exact. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("parseRateLimit", () => {
  it("reads <requests>/<seconds>", () => {
    expect(parseRateLimit("1200/300")).toEqual({ requests: 1200, seconds: 300 });
    expect(parseRateLimit(" 60 / 10 ")).toEqual({ requests: 60, seconds: 10 });
    expect(parseRateLimit("5/0.5")).toEqual({ requests: 5, seconds: 0.5 });
  });

  it.each(["", "1200", "abc/def", "0/10", "10/0", "-1/5", "1/2/3"])("rejects %j naming the form", (text) => {
    expect(() => parseRateLimit(text, "cloudflare-pcap:rateLimit")).toThrow(
      /cloudflare-pcap:rateLimit .* expected <requests>\/<seconds>/,
    );
  });
});

describe("RateLimiter", () => {
  it("admits up to the budget at once, then makes the next request wait", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ requests: 3, seconds: 10 }, clock.now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.delayMs()).toBe(0);
      (await limiter.acquire()).release();
    }
    expect(limiter.delayMs()).toBe(10_000);
    clock.advance(10_000);
    expect(limiter.delayMs()).toBe(0);
  });

  it("counts in-flight requests until they are released, then ages them from the release time", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ requests: 2, seconds: 10 }, clock.now);
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    expect(limiter.delayMs()).toBeGreaterThan(0); // both in flight
    clock.advance(60_000);
    expect(limiter.delayMs()).toBeGreaterThan(0); // still in flight, however long ago they were sent
    a.release();
    expect(limiter.delayMs()).toBe(10_000); // a ages from now
    clock.advance(4_000);
    b.release();
    clock.advance(6_000);
    expect(limiter.delayMs()).toBe(0); // a left the window
    await limiter.acquire();
    expect(limiter.delayMs()).toBe(4_000); // b leaves 10 s after its release
  });

  it("serves waiters in order and never lets more than the budget into any window", async () => {
    const limiter = new RateLimiter({ requests: 5, seconds: 0.2 });
    const sentAt: number[] = [];
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 15 }, async (_, i) => {
        const permit = await limiter.acquire();
        sentAt[i] = Date.now() - start;
        permit.release();
      }),
    );
    // In order: each waiter got its permit no earlier than the one before it.
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]).toBeGreaterThanOrEqual(sentAt[i - 1]);
    // Any 5 consecutive sends span at least one window after the first of them was released.
    for (let i = 5; i < sentAt.length; i++) expect(sentAt[i] - sentAt[i - 5]).toBeGreaterThanOrEqual(195);
  });

  it("pauses everything until a server-given time", () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ requests: 100, seconds: 10 }, clock.now);
    limiter.pauseUntil(clock.now() + 3_000);
    expect(limiter.delayMs()).toBe(3_000);
    clock.advance(3_000);
    expect(limiter.delayMs()).toBe(0);
  });

  it("is shared per key, and a new budget applies to all holders", () => {
    const a = sharedRateLimiter("key-a", { requests: 10, seconds: 1 });
    const again = sharedRateLimiter("key-a", { requests: 20, seconds: 1 });
    const other = sharedRateLimiter("key-b", { requests: 10, seconds: 1 });
    expect(again).toBe(a);
    expect(a.currentBudget).toEqual({ requests: 20, seconds: 1 });
    expect(other).not.toBe(a);
  });
});

describe("RateLimiter.observe", () => {
  it("waits for the server's reset when the server's window is spent, and ignores absent headers", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ requests: 100, seconds: 10 }, clock.now);
    limiter.observe(NaN, NaN);
    limiter.observe(5, 7);
    expect(limiter.delayMs()).toBe(0); // the server has room
    const permit = await limiter.acquire();
    limiter.observe(1, 7); // one left, one in flight: it will be spent
    expect(limiter.delayMs()).toBe(7000);
    permit.release();
    clock.advance(7000);
    expect(limiter.delayMs()).toBe(0);
  });
});
