import { resolveAccountId, resolveSettings, SettingsError } from "../../provider/config";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe("resolveSettings", () => {
  it("takes stack config first, then environment variables", () => {
    const settings = resolveSettings(
      config({ "cloudflare:apiToken": "cfg-token", "cloudflare-pcap:accountId": "a".repeat(32) }),
      {
        CLOUDFLARE_API_TOKEN: "env-token",
        CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4",
        CLOUDFLARE_ACCOUNT_ID: "b".repeat(32),
        CLOUDFLARE_PCAP_RATE_LIMIT: "60/10",
      },
    );
    expect(settings).toEqual({
      credentials: { apiToken: "cfg-token" },
      baseUrl: "http://127.0.0.1:9/client/v4",
      defaultAccountId: "a".repeat(32),
      rateLimit: { requests: 60, seconds: 10 },
      simpleCaptureIntervalSeconds: 60,
    });
  });

  it("paces simple captures by Cloudflare's minute unless told another interval; a bad one is named", () => {
    const token = { "cloudflare:apiToken": "t" };
    expect(resolveSettings(config(token), {}).simpleCaptureIntervalSeconds).toBe(60);
    expect(
      resolveSettings(config({ ...token, "cloudflare-pcap:simpleCaptureIntervalSeconds": "0.5" }), {})
        .simpleCaptureIntervalSeconds,
    ).toBe(0.5);
    expect(
      resolveSettings(config(token), { CLOUDFLARE_PCAP_SIMPLE_CAPTURE_INTERVAL_SECONDS: "0" })
        .simpleCaptureIntervalSeconds,
    ).toBe(0);
    expect(() =>
      resolveSettings(config({ ...token, "cloudflare-pcap:simpleCaptureIntervalSeconds": "soon" }), {}),
    ).toThrow(
      /^cloudflare-pcap:simpleCaptureIntervalSeconds \/ CLOUDFLARE_PCAP_SIMPLE_CAPTURE_INTERVAL_SECONDS must be seconds from 0 to 3600 \(Cloudflare's rule is 60; 0 sends without pacing\), not "soon"$/,
    );
  });

  it("a global key in config wins over a token in the environment", () => {
    const settings = resolveSettings(
      config({ "cloudflare:apiKey": "k".repeat(37), "cloudflare:email": "a@b.c" }),
      {
        CLOUDFLARE_API_TOKEN: "env-token",
      },
    );
    expect(settings.credentials).toEqual({ apiKey: "k".repeat(37), email: "a@b.c" });
  });

  it("reads everything from the environment when there is no config", () => {
    const settings = resolveSettings(undefined, {
      CLOUDFLARE_API_KEY: "key",
      CLOUDFLARE_EMAIL: "ops@example.com",
    });
    expect(settings.credentials).toEqual({ apiKey: "key", email: "ops@example.com" });
    expect(settings.baseUrl).toBe("https://api.cloudflare.com/client/v4");
    expect(settings.rateLimit).toEqual({ requests: 1000, seconds: 300 });
    expect(settings.defaultAccountId).toBeUndefined();
  });

  it("names every way to supply missing credentials", () => {
    expect(() => resolveSettings(config({}), {})).toThrow(SettingsError);
    expect(() => resolveSettings(config({}), {})).toThrow(
      /cloudflare:apiToken.*CLOUDFLARE_API_TOKEN.*cloudflare:apiKey \+ cloudflare:email.*CLOUDFLARE_API_KEY \+ CLOUDFLARE_EMAIL/,
    );
  });

  it("a global key without an email says so", () => {
    expect(() => resolveSettings(undefined, { CLOUDFLARE_API_KEY: "key" })).toThrow(
      /needs the account's email too/,
    );
  });

  it("a malformed rate limit names both places it can come from", () => {
    expect(() =>
      resolveSettings(config({ "cloudflare:apiToken": "t", "cloudflare-pcap:rateLimit": "fast" }), {}),
    ).toThrow(/cloudflare-pcap:rateLimit \/ CLOUDFLARE_PCAP_RATE_LIMIT "fast" is not valid/);
  });

  it("blank values count as missing", () => {
    expect(() =>
      resolveSettings(config({ "cloudflare:apiToken": "  " }), { CLOUDFLARE_API_TOKEN: "" }),
    ).toThrow(SettingsError);
  });
});

describe("resolveAccountId", () => {
  const settings = resolveSettings(undefined, { CLOUDFLARE_API_TOKEN: "t" });

  it("prefers the resource's account, then the default", () => {
    expect(resolveAccountId({ ...settings, defaultAccountId: "d" }, "r")).toBe("r");
    expect(resolveAccountId({ ...settings, defaultAccountId: "d" }, undefined)).toBe("d");
  });

  it("names every way to supply it", () => {
    expect(() => resolveAccountId(settings, undefined)).toThrow(
      /accountId.*cloudflare-pcap:accountId.*CLOUDFLARE_ACCOUNT_ID/,
    );
  });
});
