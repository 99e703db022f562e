import { randomBytes } from "node:crypto";
import { api, closeAll, emulator, errorCode, SIMPLE } from "./helpers";

afterEach(closeAll);

const otherAccount = () => randomBytes(16).toString("hex");

describe("authentication", () => {
  test("a missing credential is 400 code 6003 with a chain naming what is missing", async () => {
    const h = await emulator();
    const res = await api(h, "GET", "", { anonymous: true });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.json).toMatchObject({ success: false, messages: [], result: null });
    expect(res.json?.errors[0]).toMatchObject({ code: 6003, message: "Invalid request headers" });
    expect(res.json?.errors[0].error_chain?.[0].code).toBe(9106);
  });

  test.each([["Token abc"], ["Bearer"], ["Bearer two words"], ["bearer x"]])(
    "a malformed Authorization (%s) is 400 6003 with chain 6111",
    async (authorization) => {
      const h = await emulator();
      const res = await api(h, "GET", "", { anonymous: true, headers: { authorization } });
      expect(res.status).toBe(400);
      expect(res.json?.errors[0]).toMatchObject({
        code: 6003,
        error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }],
      });
    },
  );

  test("malformed legacy headers name the header (6102 email, 6103 key)", async () => {
    const h = await emulator();
    const badEmail = await api(h, "GET", "", {
      anonymous: true,
      headers: { "x-auth-email": "nope", "x-auth-key": "abc" },
    });
    expect(badEmail.json?.errors[0].error_chain?.[0].code).toBe(6102);
    const badKey = await api(h, "GET", "", {
      anonymous: true,
      headers: { "x-auth-email": "a@b.c", "x-auth-key": "no-pe" },
    });
    expect(badKey.json?.errors[0].error_chain?.[0].code).toBe(6103);
    const keyOnly = await api(h, "GET", "", { anonymous: true, headers: { "x-auth-key": "abc" } });
    expect(keyOnly.json?.errors[0].error_chain?.[0].code).toBe(6102);
  });

  test("the legacy email + global key works", async () => {
    const h = await emulator();
    const res = await api(h, "GET", "", {
      anonymous: true,
      headers: { "x-auth-email": h.email.toUpperCase(), "x-auth-key": h.apiKey },
    });
    expect(res.status).toBe(200);
    expect(h.apiKey).toMatch(/^[0-9a-f]{37}$/);
  });

  test("an unknown token, or a wrong key, is 403 code 10000", async () => {
    const h = await emulator();
    const res = await api(h, "GET", "", {
      anonymous: true,
      headers: { authorization: "Bearer not-the-token" },
    });
    expect(res.status).toBe(403);
    expect(res.json?.errors).toEqual([{ code: 10000, message: "Authentication error" }]);
    const key = await api(h, "GET", "", {
      anonymous: true,
      headers: { "x-auth-email": h.email, "x-auth-key": "abc123" },
    });
    expect(key.status).toBe(403);
  });

  test("a valid token is refused on an account it was not granted (403 10000)", async () => {
    const extraToken = randomBytes(20).toString("hex");
    const other = otherAccount();
    const h = await emulator({ credentials: [{ token: extraToken, accounts: [other] }] });
    expect((await api(h, "GET", "", { accountId: other })).status).toBe(403);
    const asOther = { headers: { authorization: `Bearer ${extraToken}` } };
    expect((await api(h, "GET", "", { ...asOther, accountId: other })).status).toBe(200);
    const refused = await api(h, "GET", "", asOther);
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe(10000);
  });

  test("grant() adds accounts at runtime; accounts keep separate state", async () => {
    const h = await emulator({ simpleCaptureIntervalSeconds: 0 });
    const other = otherAccount();
    h.grant({ token: h.token, accounts: [other] });
    await api(h, "POST", "", { body: SIMPLE });
    expect((await api(h, "GET", "", { accountId: other })).json?.result).toEqual([]);
    expect(h.captures()).toHaveLength(1);
    expect(h.captures(other)).toHaveLength(0);
  });

  test("no answer ever echoes the credential", async () => {
    const h = await emulator({ token: "super-secret-token-value" });
    const bad = await fetch(`${h.url}/accounts/${h.accountId}/pcaps/nothex`, {
      headers: { authorization: "Bearer super-secret-token-value" },
    });
    expect(await bad.text()).not.toContain("super-secret");
    const wrong = await fetch(`${h.url}/accounts/${h.accountId}/pcaps`, {
      headers: { authorization: "Bearer super-secret-token-valuX" },
    });
    expect(await wrong.text()).not.toContain("super-secret");
  });
});

describe("routing", () => {
  test("a malformed account id is 400 code 7003 naming the path", async () => {
    const h = await emulator();
    const res = await api(h, "GET", "", { accountId: "ABC" });
    expect(res.status).toBe(400);
    expect(res.json?.errors[0]).toEqual({
      code: 7003,
      message: "Could not route to /client/v4/accounts/ABC/pcaps, perhaps your object identifier is invalid?",
    });
  });

  test.each([
    ["GET", "/0123"],
    ["GET", `/${"A".repeat(32)}`],
    ["GET", `/${"g".repeat(32)}/download`],
    ["PUT", "/xyz/stop"],
    ["DELETE", "/ownership/validate"],
  ])("a malformed id in %s %s is 400 7003", async (method, path) => {
    const h = await emulator();
    const res = await api(h, method, path);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe(7003);
  });

  test.each([
    ["GET", "/client/v4/accounts/ACCOUNT/pcaps/ownership/validate"],
    ["DELETE", "/client/v4/accounts/ACCOUNT/pcaps"],
    ["PATCH", "/client/v4/accounts/ACCOUNT/pcaps"],
    ["POST", "/client/v4/accounts/ACCOUNT/pcaps/ID/stop"],
    ["GET", "/client/v4/accounts/ACCOUNT/other"],
    ["GET", "/client/v4/zones"],
    ["GET", "/"],
    ["GET", "/client/v4/accounts/ACCOUNT/pcaps/ID/download/more"],
  ])("%s %s is 404 code 7000", async (method, template) => {
    const h = await emulator();
    const path = template.replace("ACCOUNT", h.accountId).replace("ID", "a".repeat(32));
    const res = await fetch(`http://127.0.0.1:${h.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.token}` },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({
      success: false,
      errors: [{ code: 7000, message: "No route for that URI" }],
      messages: [],
      result: null,
    });
  });

  test("query strings are ignored", async () => {
    const h = await emulator();
    expect((await api(h, "GET", "?page=2")).status).toBe(200);
  });

  test("the handle's url is the v4 base on 127.0.0.1", async () => {
    const h = await emulator();
    expect(h.url).toBe(`http://127.0.0.1:${h.port}/client/v4`);
    expect(h.accountId).toMatch(/^[0-9a-f]{32}$/);
    expect(h.token).toHaveLength(40);
  });
});
