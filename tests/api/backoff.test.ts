import { backoffDelayMs, parseRetryAfter, resolveRetryOptions } from "../../client/backoff";

describe("backoff", () => {
  const options = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1000 });

  it("grows exponentially up to the cap, with full jitter", () => {
    expect(backoffDelayMs(1, options, () => 1)).toBe(100);
    expect(backoffDelayMs(2, options, () => 1)).toBe(200);
    expect(backoffDelayMs(4, options, () => 1)).toBe(800);
    expect(backoffDelayMs(10, options, () => 1)).toBe(1000);
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(200);
  });

  it("reads retry-after as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("7")).toBe(7);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
  });

  it("has defaults that sit out Cloudflare's five-minute lockout", () => {
    expect(resolveRetryOptions(undefined).deadlineMs).toBeGreaterThan(300_000);
  });
});
