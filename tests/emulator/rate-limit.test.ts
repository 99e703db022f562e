import { randomBytes } from "node:crypto";
import { parseRateLimit } from "../../emulator";
import { RateLimiter } from "../../emulator/rate-limit";
import { api, closeAll, emulator, errorCode } from "./helpers";

afterEach(closeAll);

describe("global rate limit", () => {
  test("exceeding it locks the credential out for the rest of the window with 971 and headers", async () => {
    const h = await emulator({ rateLimit: "5/60" });
    for (let i = 0; i < 5; i++) {
      const ok = await api(h, "GET", "");
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-ratelimit-limit")).toBe("5");
      expect(ok.headers.get("x-ratelimit-remaining")).toBe(String(4 - i));
    }
    const limited = await api(h, "GET", "");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("application/json");
    expect(limited.json?.errors).toEqual([
      { code: 971, message: "Please wait and consider throttling your request speed" },
    ]);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get("x-ratelimit-limit")).toBe("5");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(limited.headers.get("x-ratelimit-reset"))).toBe(retryAfter);
    // Every endpoint is blocked, including ones that would otherwise fail differently.
    expect((await api(h, "POST", "/ownership", { body: { destination_conf: "s3://bucket" } })).status).toBe(
      429,
    );
    expect(errorCode(await api(h, "GET", `/${"a".repeat(32)}`))).toBe(971);
    expect(h.statusCounts()["429"]).toBe(3);
  });

  test("the window ends and the budget returns (real time)", async () => {
    const h = await emulator({ rateLimit: { requests: 2, seconds: 1 } });
    await api(h, "GET", "");
    await api(h, "GET", "");
    const limited = await api(h, "GET", "");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    await new Promise((r) => setTimeout(r, 1050));
    expect((await api(h, "GET", "")).status).toBe(200);
  });

  test("limits are per credential", async () => {
    const other = randomBytes(20).toString("hex");
    const h = await emulator({ rateLimit: "1/60" });
    h.grant({ token: other, accounts: [h.accountId] });
    expect((await api(h, "GET", "")).status).toBe(200);
    expect((await api(h, "GET", "")).status).toBe(429);
    expect((await api(h, "GET", "", { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
    // Unknown credentials are refused before counting.
    expect((await api(h, "GET", "", { headers: { authorization: "Bearer nobody" } })).status).toBe(403);
  });

  test("setRateLimit and resetRateLimits lift a lockout", async () => {
    const h = await emulator({ rateLimit: "1/300" });
    await api(h, "GET", "");
    expect((await api(h, "GET", "")).status).toBe(429);
    h.resetRateLimits();
    expect((await api(h, "GET", "")).status).toBe(200);
    h.setRateLimit("100/300");
    expect((await api(h, "GET", "")).headers.get("x-ratelimit-remaining")).toBe("99");
  });

  test("the default is 1200 per 300 s", async () => {
    const h = await emulator();
    const res = await api(h, "GET", "");
    expect(res.headers.get("x-ratelimit-limit")).toBe("1200");
    expect(Number(res.headers.get("x-ratelimit-reset"))).toBe(300);
  });
});

describe("RateLimiter", () => {
  test("fixed window, refused calls do not extend it", () => {
    let now = 0;
    const limiter = new RateLimiter({ requests: 2, seconds: 10 }, () => now);
    expect(limiter.hit("k").allowed).toBe(true);
    expect(limiter.hit("k").remaining).toBe(0);
    now = 2500;
    expect(limiter.hit("k")).toEqual({ allowed: false, limit: 2, remaining: 0, resetSeconds: 8 });
    now = 9999;
    expect(limiter.hit("k").allowed).toBe(false);
    now = 10000;
    expect(limiter.hit("k")).toMatchObject({ allowed: true, remaining: 1, resetSeconds: 10 });
  });

  test("parseRateLimit", () => {
    expect(parseRateLimit("1200/300")).toEqual({ requests: 1200, seconds: 300 });
    expect(parseRateLimit(" 5/0.5 ")).toEqual({ requests: 5, seconds: 0.5 });
    for (const bad of ["", "5", "5/", "/5", "0/10", "5/0", "a/b", "-1/5"])
      expect(() => parseRateLimit(bad)).toThrow(/requests/);
  });
});
