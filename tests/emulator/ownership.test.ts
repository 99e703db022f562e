import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, closeAll, emulator, errorCode, result } from "./helpers";

afterEach(closeAll);

interface Ownership {
  id: string;
  destination_conf: string;
  filename: string;
  status: string;
  submitted: string;
  validated: string;
}

const DEST = "s3://my-bucket/captures/edge?region=us-east-1";

describe("bucket ownership", () => {
  test("add writes the challenge file and answers pending with validated ''", async () => {
    const h = await emulator();
    const res = await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    expect(res.status).toBe(200);
    const o = result<Ownership>(res);
    expect(o).toMatchObject({ destination_conf: DEST, status: "pending", validated: "" });
    expect(o.id).toMatch(/^[0-9a-f]{32}$/);
    expect(o.filename).toMatch(/^ownership-challenge-[0-9a-f]{32}\.txt$/);
    expect(Date.parse(o.submitted)).not.toBeNaN();
    const dir = h.bucketDirectory(DEST);
    expect(dir).toBe(join(h.dataDir, "buckets", "s3", "my-bucket", "captures", "edge"));
    const token = readFileSync(join(dir, o.filename), "utf8");
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(h.readChallenge(DEST)).toBe(token);
  });

  test("list returns every registration; the same destination twice is 409 (1203)", async () => {
    const h = await emulator();
    await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    await api(h, "POST", "/ownership", { body: { destination_conf: "gs://other-bucket" } });
    const again = await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe(1203);
    const list = await api(h, "GET", "/ownership");
    expect(list.status).toBe(200);
    expect(result<Ownership[]>(list).map((o) => o.destination_conf)).toEqual([DEST, "gs://other-bucket"]);
  });

  test("validate with the file's content → success with a validated time", async () => {
    const h = await emulator();
    await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    const res = await api(h, "POST", "/ownership/validate", {
      body: { destination_conf: DEST, ownership_challenge: h.readChallenge(DEST) },
    });
    expect(res.status).toBe(200);
    const o = result<Ownership>(res);
    expect(o.status).toBe("success");
    expect(Date.parse(o.validated)).not.toBeNaN();
    expect(h.ownerships()[0].status).toBe("success");
  });

  test("a wrong token sets failed and answers 200; the right one later succeeds", async () => {
    const h = await emulator();
    await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    const wrong = await api(h, "POST", "/ownership/validate", {
      body: { destination_conf: DEST, ownership_challenge: "nope" },
    });
    expect(wrong.status).toBe(200);
    expect(result<Ownership>(wrong)).toMatchObject({ status: "failed", validated: "" });
    const right = await api(h, "POST", "/ownership/validate", {
      body: { destination_conf: DEST, ownership_challenge: h.readChallenge(DEST) },
    });
    expect(result<Ownership>(right).status).toBe("success");
  });

  test("the filename is accepted only with acceptFilenameChallenge", async () => {
    const strict = await emulator();
    const o = result<Ownership>(
      await api(strict, "POST", "/ownership", { body: { destination_conf: DEST } }),
    );
    const res = await api(strict, "POST", "/ownership/validate", {
      body: { destination_conf: DEST, ownership_challenge: o.filename },
    });
    expect(result<Ownership>(res).status).toBe("failed");

    const lenient = await emulator({ acceptFilenameChallenge: true });
    const o2 = result<Ownership>(
      await api(lenient, "POST", "/ownership", { body: { destination_conf: DEST } }),
    );
    const res2 = await api(lenient, "POST", "/ownership/validate", {
      body: { destination_conf: DEST, ownership_challenge: o2.filename },
    });
    expect(result<Ownership>(res2).status).toBe("success");
  });

  test("a validation delay keeps it pending until the emulated time passes", async () => {
    const h = await emulator({ validationDelaySeconds: 300, timeScale: 1e-6 });
    await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    const body = { destination_conf: DEST, ownership_challenge: h.readChallenge(DEST) };
    expect(result<Ownership>(await api(h, "POST", "/ownership/validate", { body })).status).toBe("pending");
    await h.advance(299);
    // Validating again while pending does not restart the delay.
    expect(result<Ownership>(await api(h, "POST", "/ownership/validate", { body })).status).toBe("pending");
    await h.advance(2);
    const listed = result<Ownership[]>(await api(h, "GET", "/ownership"))[0];
    expect(listed.status).toBe("success");
    expect(listed.validated).not.toBe("");
  });

  test("validate of an unregistered destination is 404 (1204); missing fields are 400", async () => {
    const h = await emulator();
    const res = await api(h, "POST", "/ownership/validate", {
      body: { destination_conf: DEST, ownership_challenge: "x" },
    });
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe(1204);
    const missing = await api(h, "POST", "/ownership/validate", { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.json?.errors.map((e) => e.source?.pointer).sort()).toEqual([
      "/destination_conf",
      "/ownership_challenge",
    ]);
    expect(errorCode(await api(h, "POST", "/ownership", { body: { destination_conf: 42 } }))).toBe(1102);
  });

  test("delete answers 204 without a body and removes the challenge file; unknown id is 404 (1205)", async () => {
    const h = await emulator();
    const o = result<Ownership>(await api(h, "POST", "/ownership", { body: { destination_conf: DEST } }));
    const file = join(h.bucketDirectory(DEST), o.filename);
    writeFileSync(join(h.bucketDirectory(DEST), "pcap_keep.pcap"), "x");
    const res = await fetch(`${h.url}/accounts/${h.accountId}/pcaps/ownership/${o.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${h.token}` },
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(h.bucketDirectory(DEST), "pcap_keep.pcap"))).toBe(true);
    expect(h.ownerships()).toEqual([]);
    const again = await api(h, "DELETE", `/ownership/${o.id}`);
    expect(again.status).toBe(404);
    expect(again.headers.get("content-type")).toBe("application/json");
    expect(errorCode(again)).toBe(1205);
  });

  test("ownerships are per account", async () => {
    const other = "b".repeat(32);
    const h = await emulator();
    h.grant({ token: h.token, accounts: [other] });
    await api(h, "POST", "/ownership", { body: { destination_conf: DEST } });
    expect(
      (await api(h, "POST", "/ownership", { body: { destination_conf: DEST }, accountId: other })).status,
    ).toBe(200);
    const o = h.ownerships()[0];
    expect((await api(h, "DELETE", `/ownership/${o.id}`, { accountId: other })).status).toBe(404);
  });

  test("out-of-band perturbations: delete and status change", async () => {
    const h = await emulator();
    const o = result<Ownership>(await api(h, "POST", "/ownership", { body: { destination_conf: DEST } }));
    await h.setOwnershipStatusOutOfBand(o.id, "success");
    expect(h.ownerships()[0].status).toBe("success");
    expect(await h.deleteOwnershipOutOfBand(o.id)).toBe(true);
    expect(await h.deleteOwnershipOutOfBand(o.id)).toBe(false);
    expect(result<Ownership[]>(await api(h, "GET", "/ownership"))).toEqual([]);
  });
});

describe("bucket paths never leave the data directory", () => {
  const hostile = [
    "s3://../etc",
    "s3://bucket/../../../etc",
    "s3://bucket/%2e%2e/%2e%2e/etc",
    "s3://bucket/..%2f..%2fetc",
    "s3://bucket/a/./b",
    "s3:///etc/passwd",
    "s3://bucket//etc",
    "file:///etc/passwd",
    "s3://bucket\\..\\..\\etc",
    "s3://bucket/a b",
    "s3://Bucket",
    "gs://a..b",
    "/etc/passwd",
    "r2://bucket/\u0000",
    "s3://bucket/~root",
  ];

  test.each(hostile)("%j is rejected with 400 and nothing is written", async (destination) => {
    const outside = await mkdtemp(join(tmpdir(), "pcap-outside-"));
    const h = await emulator({ dataDir: join(outside, "data") });
    try {
      const res = await api(h, "POST", "/ownership", { body: { destination_conf: destination } });
      // "s3://bucket//etc" normalizes to a safe path, everything else must be refused.
      if (res.status === 200) {
        expect(h.bucketDirectory(destination).startsWith(join(h.dataDir, "buckets") + "/")).toBe(true);
      } else {
        expect(res.status).toBe(400);
        expect(errorCode(res)).toBe(1201);
        expect(res.json?.errors[0].source?.pointer).toBe("/destination_conf");
      }
      expect(await readdir(outside)).toEqual(["data"]);
      const validate = await api(h, "POST", "/ownership/validate", {
        body: { destination_conf: destination, ownership_challenge: "x" },
      });
      expect([400, 404, 200]).toContain(validate.status);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  test("a symlink planted inside the buckets tree is refused, not followed", async () => {
    const outside = await mkdtemp(join(tmpdir(), "pcap-outside-"));
    const h = await emulator();
    try {
      const { symlinkSync, mkdirSync } = await import("node:fs");
      mkdirSync(join(h.dataDir, "buckets", "s3"), { recursive: true });
      symlinkSync(outside, join(h.dataDir, "buckets", "s3", "evil-bucket"));
      const res = await api(h, "POST", "/ownership", { body: { destination_conf: "s3://evil-bucket/x" } });
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe(1206);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
