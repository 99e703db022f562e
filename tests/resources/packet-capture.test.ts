/**
 * PacketCapture through the engine stand-in (the SDK's own dynamic-provider plugin over gRPC) against the
 * emulator over HTTP: the whole lifecycle, the one-simple-capture-per-minute rule, lost answers, checks,
 * failed and unfinished waits, out-of-band changes, and what state holds.
 *
 * Clocks. Every test picks the emulator's `timeScale` (emulated seconds per real second) so that what it
 * asserts does not depend on how fast the machine is:
 * - simple captures stay `pending` for min(timeLimit, 10) emulated seconds. With timeLimit 5 and a
 *   timeScale of 10 or 20 that is 0.25–0.5 s of real time, shorter than the provider's first poll (1 s),
 *   so `waitForCompletion` ends on its first poll;
 * - full captures stay `pending` for 5 emulated seconds, then `running` until their time limit. The
 *   answer to the create request is always `pending`, so `up` records `pending`. `running` is made
 *   observable deterministically by moving the emulated clock 10 s ahead (`advance(10)`) and refreshing:
 *   with a time limit of 3600 s and timeScale 10, the capture keeps running for six real minutes,
 *   far longer than the test, whatever the machine's speed.
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmulatorHandle, RequestLogEntry } from "../../emulator";
import { BucketOwnership, BucketOwnershipValidation, PacketCapture, type PacketCaptureArgs } from "../../sdk";
import { PcapClient } from "../../client";
import { DeploymentError, UNKNOWN, type RunResult } from "../engine";
import { startPcapStack, totalRequests, type PcapStack } from "../support/pcap-stack";

const DEST = "s3://pcap-captures?region=us-east-1";
const OTHER_DEST = "gs://pcap-captures-other/edge";
const WEB = { destinationAddress: "203.0.113.7", protocol: 6, destinationPort: 443 };
/** ICMP has no ports: a filter that can never match, so the emulator fails the capture. */
const NEVER_MATCHES = { destinationAddress: "203.0.113.7", protocol: 1, destinationPort: 443 };

let env: PcapStack | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** The emulator's full captures that are pending or running (at most one may be, per account). */
function activeFullCaptures(emulator: EmulatorHandle) {
  return emulator
    .captures()
    .filter((c) => c.type === "full" && (c.status === "pending" || c.status === "running"));
}

function count(record: Record<string, number>, key: string): number {
  return record[key] ?? 0;
}

function stepOf(result: RunResult, name: string) {
  return result.steps.find((s) => s.name === name);
}

async function failure(run: Promise<unknown>): Promise<DeploymentError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeploymentError);
  return err as DeploymentError;
}

interface FullOptions {
  timeLimit?: number;
  stopped?: boolean;
  destinationConf?: string;
}

/**
 * A simple capture that is waited for, and a full capture into a bucket registered and validated in the
 * same program: the challenge is read from the bucket once the ownership exists (an apply on its
 * `filename`), and the capture's `destinationConf` is the validation's output, so it is created after.
 */
function captureProgram(emulator: EmulatorHandle, full: FullOptions = {}) {
  const dest = full.destinationConf ?? DEST;
  return async () => {
    const sample = new PacketCapture("sample", {
      type: "simple",
      timeLimit: 5,
      packetLimit: 100,
      filter: WEB,
      waitForCompletion: true,
    });
    const bucket = new BucketOwnership("bucket", { destinationConf: dest });
    const proof = new BucketOwnershipValidation("proof", {
      destinationConf: bucket.destinationConf,
      ownershipChallenge: pulumi.secret(bucket.filename.apply(() => emulator.readChallenge(dest))),
    });
    const capture = new PacketCapture("full", {
      type: "full",
      timeLimit: full.timeLimit ?? 3600,
      coloName: "ord02",
      destinationConf: proof.destinationConf,
      filter: WEB,
      ...(full.stopped !== undefined ? { stopped: full.stopped } : {}),
    });
    return { sampleStatus: sample.status, fullStatus: capture.status, fullId: capture.id };
  };
}

it("lifecycle: simple + validated full capture; no-op up and refresh; replace stops first; stop; restart; destroy", async () => {
  const requests: RequestLogEntry[] = [];
  env = await startPcapStack({ emulator: { timeScale: 10, log: (e) => requests.push(e) } });
  const { stack, emulator } = env;

  // up: the simple capture is waited for; the full one answers `pending` when created.
  const first = await stack.up(captureProgram(emulator));
  expect(first.summary).toEqual({ create: 4 });
  expect(first.outputs.sampleStatus).toBe("success");
  expect(first.outputs.fullStatus).toBe("pending");
  const fullId = first.outputs.fullId as string;
  expect(emulator.captures().map((c) => c.id)).toEqual([fullId, stack.resource("sample")!.id]);
  expect(emulator.captures().find((c) => c.id === fullId)).toMatchObject({
    type: "full",
    destination_conf: DEST,
    colo_name: "ord02",
    time_limit: 3600,
  });
  expect(count(emulator.statusCounts(), "409")).toBe(0);

  // 10 emulated seconds later the full capture runs. Refresh records it, but progress of an output the
  // user does not declare is not drift: no change reported.
  await emulator.advance(10);
  emulator.resetCounts();
  const refreshed = await stack.refresh();
  expect(refreshed.changed).toBe(false);
  expect(stack.outputs("full").status).toBe("running");
  expect(stack.outputs("sample").status).toBe("success");
  // One list answers both reads (it holds the newest 50 captures with their status).
  expect(emulator.requestCounts()["GET /pcaps"]).toBe(1);
  expect(emulator.requestCounts()["GET /pcaps/:id"]).toBeUndefined();

  // up again: nothing to do; refresh again: nothing drifted.
  emulator.resetCounts();
  expect((await stack.up(captureProgram(emulator))).changed).toBe(false);
  expect((await stack.refresh()).changed).toBe(false);
  expect(count(emulator.requestCounts(), "POST /pcaps")).toBe(0);
  expect(count(emulator.requestCounts(), "PUT /pcaps/:id/stop")).toBe(0);

  // preview of a new bucket: unknown values (the new ownership's outputs) reach Check and Diff of the
  // validation and the capture, which plan replacements without a single API call.
  emulator.resetCounts();
  const planned = await stack.preview(captureProgram(emulator, { destinationConf: OTHER_DEST }));
  expect(stepOf(planned, "full")).toMatchObject({ op: "replace", deleteBeforeReplace: true });
  expect(stepOf(planned, "full")?.replaces).toContain("destinationConf");
  expect(planned.outputs.fullStatus).toBe(UNKNOWN);
  expect(totalRequests(emulator)).toBe(0);

  // A new time limit: a new capture, delete-before-replace — the old one is stopped before the new one
  // is requested, so the emulator never sees two active full captures (no 409).
  requests.length = 0;
  emulator.resetCounts();
  const replaced = await stack.up(captureProgram(emulator, { timeLimit: 7200 }));
  expect(stepOf(replaced, "full")).toMatchObject({
    op: "replace",
    replaces: ["timeLimit"],
    deleteBeforeReplace: true,
  });
  expect(replaced.summary).toEqual({ same: 3, replace: 1 });
  const secondId = stack.resource("full")!.id!;
  expect(secondId).not.toBe(fullId);
  const writes = requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path} ${r.status}`);
  expect(writes).toEqual([
    expect.stringMatching(
      new RegExp(`^PUT /client/v4/accounts/${emulator.accountId}/pcaps/${fullId}/stop 204$`),
    ),
    expect.stringMatching(new RegExp(`^POST /client/v4/accounts/${emulator.accountId}/pcaps 200$`)),
  ]);
  expect(count(emulator.statusCounts(), "409")).toBe(0);
  expect(emulator.captures().find((c) => c.id === fullId)?.stop_requested).toEqual(expect.any(String));
  expect(activeFullCaptures(emulator).map((c) => c.id)).toEqual([secondId]);
  expect(stack.outputs("full")).toMatchObject({ timeLimit: 7200, status: "pending" });

  // stopped: true → an update that stops the capture.
  emulator.resetCounts();
  const stopped = await stack.up(captureProgram(emulator, { timeLimit: 7200, stopped: true }));
  expect(stepOf(stopped, "full")).toMatchObject({ op: "update", id: secondId });
  expect(stopped.summary).toEqual({ same: 3, update: 1 });
  expect(emulator.requestCounts()["PUT /pcaps/:id/stop"]).toBe(1);
  expect(count(emulator.requestCounts(), "POST /pcaps")).toBe(0);
  const stoppedCapture = emulator.captures().find((c) => c.id === secondId)!;
  expect(stoppedCapture.stop_requested).toEqual(expect.any(String));
  expect(stack.outputs("full")).toMatchObject({
    stopped: true,
    stopRequested: stoppedCapture.stop_requested,
  });
  expect(activeFullCaptures(emulator)).toEqual([]);

  // stopped: true → false: a stopped capture cannot resume, so a new one replaces it (no second stop).
  emulator.resetCounts();
  const restarted = await stack.up(captureProgram(emulator, { timeLimit: 7200, stopped: false }));
  expect(stepOf(restarted, "full")).toMatchObject({ op: "replace", replaces: ["stopped"] });
  const thirdId = stack.resource("full")!.id!;
  expect(thirdId).not.toBe(secondId);
  expect(count(emulator.requestCounts(), "PUT /pcaps/:id/stop")).toBe(0);
  expect(emulator.requestCounts()["POST /pcaps"]).toBe(1);
  expect(activeFullCaptures(emulator).map((c) => c.id)).toEqual([thirdId]);
  expect(count(emulator.statusCounts(), "409")).toBe(0);

  // State: a small, credential-free __provider on every resource; the token nowhere in state or logs.
  for (const resource of stack.state.resources.filter((r) => r.custom)) {
    const provider = resource.outputs.__provider as string;
    expect(typeof provider).toBe("string");
    expect(provider.length).toBeLessThanOrEqual(2500); // seven forwarders, one per method (sdk/shim.ts)
    expect(provider).toBe(resource.inputs.__provider);
  }
  const everything = JSON.stringify([stack.state, first, refreshed, replaced, stopped, restarted]);
  expect(everything).not.toContain(emulator.token);
  expect(everything).not.toContain(emulator.apiKey);

  // destroy: the running full capture is stopped; nothing stays active on the emulator.
  emulator.resetCounts();
  const destroyed = await stack.destroy();
  expect(destroyed.summary).toEqual({ delete: 4 });
  expect(emulator.requestCounts()["PUT /pcaps/:id/stop"]).toBe(1);
  expect(activeFullCaptures(emulator)).toEqual([]);
  expect(emulator.captures().filter((c) => c.status === "pending" || c.status === "running")).toEqual([]);
  expect(emulator.ownerships()).toEqual([]);
  expect(stack.state.resources).toEqual([]);
  expect(count(emulator.statusCounts(), "409")).toBe(0);
}, 120_000);

it("12 simple captures under the one-per-minute rule: 12 requests, no 429, the queue logged", async () => {
  // A minute of emulated time is a real second; the provider is told so through its config.
  env = await startPcapStack({ emulator: { simpleCaptureIntervalSeconds: 60, timeScale: 60 } });
  const { stack, emulator } = env;
  const result = await stack.up(async () => {
    for (let i = 0; i < 12; i++) {
      new PacketCapture(`sample-${i}`, { type: "simple", timeLimit: 5, packetLimit: 100, filter: WEB });
    }
  });
  expect(result.summary).toEqual({ create: 12 });
  expect(emulator.captures()).toHaveLength(12);
  expect(emulator.requestCounts()).toEqual({ "POST /pcaps": 12 });
  expect(count(emulator.statusCounts(), "429")).toBe(0);
  const waits = result.log.filter((line) =>
    /waiting for the one-per-minute slot for simple captures/.test(line),
  );
  // Every capture after the first waits for its minute, and says where it is in the queue.
  expect(waits).toHaveLength(11);
  for (const line of waits) expect(line).toMatch(/: \d+ ahead, about \d+ s$/);
});

it("another client takes the minute mid-way: its 429 is waited out, still at most N + 3 requests", async () => {
  let created = 0;
  let otherCreate: Promise<unknown> | undefined;
  let otherPosts = 0;
  const startOther = () => {
    const other = new PcapClient({
      credentials: { apiToken: env!.emulator.token },
      baseUrl: env!.emulator.url,
      // Each wait it logs is one of its requests refused.
      log: (event) => void (/rate limited/.test(event.message) && otherPosts++),
    });
    otherPosts++;
    const request = { type: "simple" as const, system: "magic-transit", timeLimit: 5, packetLimit: 10 };
    return other.createCapture(env!.emulator.accountId, request).finally(() => other.close());
  };
  env = await startPcapStack({
    emulator: {
      simpleCaptureIntervalSeconds: 60,
      timeScale: 60,
      // Right after the provider's third capture, another tool on the account asks for the next minute.
      log: (entry) => {
        if (entry.route === "POST /pcaps" && entry.status === 200 && ++created === 3)
          otherCreate = startOther();
      },
    },
  });
  const { stack, emulator } = env;
  const result = await stack.up(async () => {
    for (let i = 0; i < 6; i++) {
      new PacketCapture(`sample-${i}`, { type: "simple", timeLimit: 5, packetLimit: 100, filter: WEB });
    }
  });
  await otherCreate;
  expect(result.summary).toEqual({ create: 6 });
  expect(emulator.captures()).toHaveLength(7);
  const ours = emulator.requestCounts()["POST /pcaps"] - otherPosts;
  expect(ours).toBeGreaterThanOrEqual(6);
  expect(ours).toBeLessThanOrEqual(6 + 3);
  expect(count(emulator.statusCounts(), "429")).toBe(ours + otherPosts - 7);
});

/** A validated bucket and full captures into it, named and placed in ord02 / ams01 in turn. */
function fullCapturesProgram(emulator: EmulatorHandle, names: string[]) {
  return async () => {
    const bucket = new BucketOwnership("bucket", { destinationConf: DEST });
    const proof = new BucketOwnershipValidation("proof", {
      destinationConf: bucket.destinationConf,
      ownershipChallenge: pulumi.secret(bucket.filename.apply(() => emulator.readChallenge(DEST))),
    });
    names.forEach(
      (name, i) =>
        new PacketCapture(name, {
          type: "full",
          timeLimit: 3600,
          coloName: i % 2 === 0 ? "ord02" : "ams01",
          destinationConf: proof.destinationConf,
        }),
    );
  };
}

const WAYS_OUT = [
  'Either stop it (`stopped: true` on "edge-a")',
  'let it finish first (`waitForCompletion: true` on "edge-a" and `dependsOn` on it from "edge-b")',
  "or remove one of the two from the program",
];

it("two full captures in one program: the second fails naming the first's id, colo and resource, and the ways out", async () => {
  env = await startPcapStack({ emulator: { timeScale: 10 } });
  const { stack, emulator } = env;
  const err = await failure(stack.up(fullCapturesProgram(emulator, ["edge-a", "edge-b"])));
  const first = stack.resource("edge-a")!;
  expect(first.id).toMatch(/^[0-9a-f]{32}$/);
  expect(stack.outputs("edge-a").status).toBe("pending");
  expect(stack.resource("edge-b")).toBeUndefined();
  expect(err.message).toContain(
    `create full packet capture "edge-b" in account ${emulator.accountId}: only one full capture may be ` +
      `pending or running at a time, and capture ${first.id} in ord02 (resource "edge-a" of this deployment) holds the slot.`,
  );
  for (const way of WAYS_OUT) expect(err.message).toContain(way);
  // Recognised before the request: one POST for the first capture, none for the second.
  expect(emulator.requestCounts()["POST /pcaps"]).toBe(1);
  expect(emulator.captures().filter((c) => c.type === "full")).toHaveLength(1);
});

it("a second full capture added later is refused before its request; one from elsewhere is named from the 409", async () => {
  env = await startPcapStack({ emulator: { timeScale: 10 } });
  const { stack, emulator } = env;
  await stack.up(fullCapturesProgram(emulator, ["edge-a"]));
  const first = stack.resource("edge-a")!.id!;
  emulator.resetCounts();

  // The first is in state: its diff tells the provider it holds the slot; one GET confirms it still does.
  const err = await failure(stack.up(fullCapturesProgram(emulator, ["edge-a", "edge-b"])));
  expect(err.message).toContain(
    `capture ${first} in ord02 (resource "edge-a" of this deployment) holds the slot.`,
  );
  for (const way of WAYS_OUT) expect(err.message).toContain(way);
  expect(emulator.requestCounts()).toEqual({ "GET /pcaps/:id": 1 });

  // Another stack's capture holds the slot: only the API knows, so its 409 is answered with the holder.
  await stack.up(fullCapturesProgram(emulator, [])); // edge-a stopped and gone; the bucket stays
  const other = new PcapClient({ credentials: { apiToken: emulator.token }, baseUrl: emulator.url });
  const foreign = await other
    .createCapture(emulator.accountId, {
      type: "full",
      system: "magic-transit",
      timeLimit: 3600,
      coloName: "sjc01",
      destinationConf: DEST,
    })
    .catch(async (e: unknown) => {
      await other.close();
      throw e;
    });
  await other.close();
  const refused = await failure(stack.up(fullCapturesProgram(emulator, ["edge-a"])));
  expect(refused.message).toContain(
    `create full packet capture "edge-a" in account ${emulator.accountId}: only one full capture may be pending ` +
      `or running at a time, and capture ${foreign.id} in sjc01 holds the slot.`,
  );
  expect(refused.message).toMatch(/\(code \d+, HTTP 409\)/);
  expect(refused.message).toContain("It is not declared in this deployment");
});

it("answers lost after the create was applied: 5 captures, 5 distinct ids, no duplicate", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  emulator.setFaults({ dropAfterApplyRate: 1 });
  // Identical requests: the hardest case for telling one's own capture from another's.
  const result = await stack.up(async () => {
    for (let i = 0; i < 5; i++) {
      new PacketCapture(`sample-${i}`, { type: "simple", timeLimit: 5, packetLimit: 100, filter: WEB });
    }
  });
  expect(result.summary).toEqual({ create: 5 });
  const ids = result.steps.map((s) => s.id);
  expect(new Set(ids).size).toBe(5);
  expect(new Set(emulator.captures().map((c) => c.id))).toEqual(new Set(ids));
  // Every POST was applied and its answer dropped; every read (the list) was answered: the fault only
  // hits writes, and the provider never sent a create twice.
  const counts = emulator.requestCounts();
  expect(counts["POST /pcaps"]).toBe(5);
  expect(emulator.statusCounts()).toEqual({ dropped: 5, "200": counts["GET /pcaps"] });
  expect(
    result.log.filter((l) => /answer to creating a simple capture was lost; found/.test(l)),
  ).toHaveLength(5);
});

it("answers lost for 5 captures that differ only in packetLimit (never reported): each resource holds its own", async () => {
  const requests: RequestLogEntry[] = [];
  env = await startPcapStack({ emulator: { log: (e) => requests.push(e) } });
  const { stack, emulator } = env;
  emulator.setFaults({ dropAfterApplyRate: 1 });
  const limits = [10, 20, 30, 40, 50];
  const program = async () => {
    for (const packetLimit of limits) {
      new PacketCapture(`limit-${packetLimit}`, { type: "simple", timeLimit: 5, packetLimit, filter: WEB });
    }
  };
  const result = await stack.up(program);
  expect(result.summary).toEqual({ create: 5 });
  expect(emulator.captures()).toHaveLength(5);
  for (const packetLimit of limits) {
    const resource = stack.resource(`limit-${packetLimit}`)!;
    expect({ packetLimit, made: emulator.requestedPacketLimit(resource.id!) }).toEqual({
      packetLimit,
      made: packetLimit,
    });
    expect(resource.outputs.packetLimit).toBe(packetLimit);
  }
  // The engine created them together; the provider sent them one at a time, each settled (its lost
  // answer reconciled by a list) before the next could be mistaken for it.
  expect(requests.map((r) => r.route)).toEqual(limits.flatMap(() => ["POST /pcaps", "GET /pcaps"]));
  const found = result.log.filter((l) => /answer to creating a simple capture was lost; found/.test(l));
  expect(found).toHaveLength(5);
  // The log says what the match rested on: only fields the API reports.
  for (const line of found) {
    expect(line).toContain("(matched on type, system, time_limit, filter_v1, submitted since the request)");
  }
  // packetLimit is never reported, so a refresh can never see it drift, and up changes nothing.
  expect((await stack.refresh()).changed).toBe(false);
  expect((await stack.up(program)).changed).toBe(false);
}, 90_000);

it.each(["success", "complete"] as const)(
  "a finished simple capture reported %s ends the wait, shows no drift, and downloads",
  async (finishedSimpleStatus) => {
    env = await startPcapStack({ emulator: { timeScale: 20, finishedSimpleStatus } });
    const { stack, emulator } = env;
    const program = async () =>
      void new PacketCapture("sample", {
        type: "simple",
        timeLimit: 5,
        packetLimit: 30,
        filter: WEB,
        waitForCompletion: true,
      });
    expect((await stack.up(program)).summary).toEqual({ create: 1 });
    expect(stack.outputs("sample").status).toBe(finishedSimpleStatus);
    expect((await stack.refresh()).changed).toBe(false);
    expect((await stack.up(program)).changed).toBe(false);

    const dir = mkdtempSync(join(tmpdir(), "pcap-finished-"));
    const client = new PcapClient({ credentials: { apiToken: emulator.token }, baseUrl: emulator.url });
    try {
      const path = join(dir, "sample.pcap");
      const id = stack.resource("sample")!.id!;
      const downloaded = await client.downloadCapture(emulator.accountId, id, path);
      expect(downloaded.packets).toBeGreaterThan(0);
      expect(downloaded.packets).toBeLessThanOrEqual(30);
      expect(statSync(path).size).toBe(downloaded.bytes);
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

it.each<[string, PacketCaptureArgs, string, RegExp]>([
  [
    "a simple time limit over 300 s",
    { type: "simple", timeLimit: 301, packetLimit: 10 },
    "timeLimit",
    /from 1 to 300 seconds for simple captures, not 301/,
  ],
  [
    "a full capture without a bucket",
    { type: "full", timeLimit: 60, coloName: "ord02" },
    "destinationConf",
    /is required for full captures/,
  ],
  [
    "a port out of range",
    { type: "simple", timeLimit: 60, packetLimit: 10, filter: { destinationPort: 70000 } },
    "filter.destinationPort",
    /from 0 to 65535/,
  ],
  [
    "stopped on a simple capture",
    { type: "simple", timeLimit: 60, packetLimit: 10, stopped: true },
    "stopped",
    /only full captures take stopped/,
  ],
])("bad input (%s) fails check naming %s, with zero API calls", async (_what, args, property, reason) => {
  env = await startPcapStack();
  const err = await failure(env.stack.up(async () => void new PacketCapture("c", args)));
  expect(err.message).toContain(`check failed: ${property}: `);
  expect(err.message).toMatch(reason);
  expect(stepOf(err.result, "c")?.error).toContain(property);
  expect(env.stack.state.resources.filter((r) => r.custom)).toEqual([]);
  expect(totalRequests(env.emulator)).toBe(0);
});

it("unknown values pass check during a first preview, with zero API calls", async () => {
  env = await startPcapStack();
  const preview = await env.stack.preview(captureProgram(env.emulator));
  expect(preview.summary).toEqual({ create: 4 });
  expect(preview.outputs.fullStatus).toBe(UNKNOWN);
  expect(totalRequests(env.emulator)).toBe(0);
});

it("a capture that fails while waited for fails the step with its error, stays in state, and is replaced", async () => {
  env = await startPcapStack({ emulator: { timeScale: 20 } });
  const { stack, emulator } = env;
  const program = (filter: PacketCaptureArgs["filter"]) => async () => {
    new PacketCapture("probe", {
      type: "simple",
      timeLimit: 5,
      packetLimit: 100,
      filter,
      waitForCompletion: true,
    });
  };

  const err = await failure(stack.up(program(NEVER_MATCHES)));
  const [failed] = emulator.captures();
  // A simple capture's failure carries no error_message (the published schema has none for it).
  expect(failed.status).toBe("failed");
  expect(failed).not.toHaveProperty("error_message");
  expect(err.message).toContain(
    `capture ${failed.id} in account ${emulator.accountId} failed: Cloudflare reports no reason for simple ` +
      "captures; the usual one is a filter that matched no traffic",
  );
  expect(err.message).toMatch(/run `pulumi up` again to replace it/);
  expect(stack.resource("probe")).toMatchObject({ id: failed.id, initErrors: [expect.any(String)] });
  expect(stack.outputs("probe").status).toBe("failed");
  expect(stack.outputs("probe")).not.toHaveProperty("errorMessage");
  expect(stack.outputs("probe").__provider).toEqual(expect.any(String)); // readable and deletable later

  // The same declaration again: a failed capture that was to complete is replaced by a new attempt.
  emulator.resetCounts();
  const again = await failure(stack.up(program(NEVER_MATCHES)));
  expect(stepOf(again.result, "probe")).toMatchObject({ op: "replace", replaces: ["status"] });
  expect(emulator.requestCounts()["POST /pcaps"]).toBe(1);
  expect(stack.resource("probe")!.id).not.toBe(failed.id);

  // Fixed filter: replaced once more, and this time it completes.
  emulator.resetCounts();
  const fixed = await stack.up(program(WEB));
  expect(stepOf(fixed, "probe")).toMatchObject({ op: "replace" });
  expect(stepOf(fixed, "probe")?.replaces).toEqual(expect.arrayContaining(["filter", "status"]));
  expect(emulator.requestCounts()["POST /pcaps"]).toBe(1);
  expect(stack.outputs("probe").status).toBe("success");
  expect(stack.resource("probe")!.initErrors).toBeUndefined();
  expect((await stack.up(program(WEB))).changed).toBe(false);
});

it("a completion timeout fails saying what to do, keeps the capture, and the next up finishes the wait", async () => {
  // A slow clock: the capture stays pending for 100 real seconds unless the test moves the clock.
  env = await startPcapStack({ emulator: { timeScale: 0.1 } });
  const { stack, emulator } = env;
  const program = async () => {
    new PacketCapture("slow", {
      type: "simple",
      timeLimit: 60,
      packetLimit: 100,
      waitForCompletion: true,
      completionTimeoutSeconds: 1,
    });
  };

  const err = await failure(stack.up(program));
  const [capture] = emulator.captures();
  expect(capture.status).toBe("pending");
  expect(err.message).toContain(`wait for simple capture ${capture.id}`);
  expect(err.message).toMatch(
    /still "pending" after \d+ s\. Run `pulumi up` again to keep waiting, or raise completionTimeoutSeconds/,
  );
  expect(stack.resource("slow")!.id).toBe(capture.id);
  expect(stack.outputs("slow").status).toBe("pending");

  await emulator.advance(60);
  emulator.resetCounts();
  const resumed = await stack.up(program);
  expect(stepOf(resumed, "slow")).toMatchObject({ op: "update", id: capture.id });
  expect(count(emulator.requestCounts(), "GET /pcaps/:id")).toBeGreaterThanOrEqual(1);
  expect(count(emulator.requestCounts(), "POST /pcaps")).toBe(0);
  expect(emulator.captures()).toHaveLength(1);
  expect(stack.outputs("slow").status).toBe("success");
  expect((await stack.up(program)).changed).toBe(false);
});

it("a capture removed outside Pulumi is dropped by refresh and requested again by the next up", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  const program = async () => {
    new PacketCapture("sample", { type: "simple", timeLimit: 5, packetLimit: 100, filter: WEB });
  };
  await stack.up(program);
  const id = stack.resource("sample")!.id!;
  expect(await emulator.deleteCaptureOutOfBand(id)).toBe(true);

  const refreshed = await stack.refresh();
  expect(refreshed.steps).toEqual([expect.objectContaining({ name: "sample", op: "delete" })]);
  expect(stack.state.resources.filter((r) => r.custom)).toEqual([]);

  expect((await stack.up(program)).summary).toEqual({ create: 1 });
  expect(emulator.captures()).toHaveLength(1);
  expect(emulator.captures()[0].id).not.toBe(id);
});

it("full captures with every write's answer lost: no duplicate, the lost stop is verified, never two active", async () => {
  env = await startPcapStack({ emulator: { timeScale: 10 } });
  const { stack, emulator } = env;
  const program = (timeLimit?: number) => async () => {
    const bucket = new BucketOwnership("bucket", { destinationConf: DEST });
    const proof = new BucketOwnershipValidation("proof", {
      destinationConf: bucket.destinationConf,
      ownershipChallenge: pulumi.secret(bucket.filename.apply(() => emulator.readChallenge(DEST))),
    });
    if (timeLimit === undefined) return;
    new PacketCapture("full", {
      type: "full",
      timeLimit,
      coloName: "ord02",
      destinationConf: proof.destinationConf,
    });
  };
  await stack.up(program()); // the bucket, before any fault
  // Every POST, PUT and DELETE is applied and its answer dropped — retries of the stop included.
  emulator.setFaults({ dropAfterApplyRate: 1 });

  const created = await stack.up(program(3600));
  expect(created.summary).toEqual({ same: 2, create: 1 });
  const firstId = stack.resource("full")!.id!;
  expect(emulator.captures().map((c) => c.id)).toEqual([firstId]);
  await emulator.advance(10);

  emulator.resetCounts();
  const replaced = await stack.up(program(7200));
  expect(stepOf(replaced, "full")).toMatchObject({ op: "replace", deleteBeforeReplace: true });
  const secondId = stack.resource("full")!.id!;
  expect(emulator.captures().map((c) => c.id)).toEqual([secondId, firstId]);
  expect(emulator.captures()[1].stop_requested).toEqual(expect.any(String));
  expect(activeFullCaptures(emulator).map((c) => c.id)).toEqual([secondId]);
  expect(count(emulator.statusCounts(), "409")).toBe(0);
  expect(emulator.requestCounts()["POST /pcaps"]).toBe(1);
  expect(replaced.log).toEqual(
    expect.arrayContaining([
      expect.stringContaining(`the answer to stopping full capture ${firstId} was lost; it is stopped`),
      expect.stringContaining(
        `the answer to creating a full capture was lost; found the capture ${secondId}`,
      ),
    ]),
  );
}, 120_000);

it("refresh: a waited capture that completes after a timed-out wait is no drift; one that fails is", async () => {
  env = await startPcapStack({ emulator: { timeScale: 0.1 } });
  const { stack, emulator } = env;
  const program = (name: string, filter: PacketCaptureArgs["filter"]) => async () => {
    new PacketCapture(name, {
      type: "simple",
      timeLimit: 60,
      packetLimit: 100,
      filter,
      waitForCompletion: true,
      completionTimeoutSeconds: 1,
    });
  };
  // Two waits that time out on the slow clock: "done" will complete, "doomed" can never match. (The
  // second run fails too, so "done", no longer in the program, is not deleted yet.)
  await failure(stack.up(program("done", WEB)));
  await failure(stack.up(program("doomed", NEVER_MATCHES)));
  const doomedId = stack.resource("doomed")!.id!;
  expect(stack.outputs("done").status).toBe("pending");
  expect(stack.outputs("doomed").status).toBe("pending");
  await emulator.advance(60);

  // "done" reached the declared state: its status catching up is recorded, not reported. "doomed"
  // failed although it was to complete: drift, and the next up replaces it.
  const refreshed = await stack.refresh();
  expect(stepOf(refreshed, "done")?.op).toBe("same");
  expect(stack.outputs("done").status).toBe("success");
  expect(stepOf(refreshed, "doomed")?.op).toBe("refresh");
  expect(stepOf(refreshed, "doomed")?.diffs).toEqual(["status"]);
  expect(stack.outputs("doomed").status).toBe("failed");

  emulator.resetCounts();
  const retried = await failure(stack.up(program("doomed", NEVER_MATCHES)));
  expect(stepOf(retried.result, "doomed")).toMatchObject({ op: "replace", replaces: ["status"] });
  expect(emulator.requestCounts()["POST /pcaps"]).toBe(1);
  expect(stack.resource("doomed")!.id).not.toBe(doomedId);
});

it("a full capture that already ended its collection is not stopped again: one stop answered 400, then none", async () => {
  const requests: RequestLogEntry[] = [];
  // Half speed: the capture converts for 10 real seconds after the clock is moved past its collection.
  env = await startPcapStack({ emulator: { timeScale: 0.5, log: (e) => requests.push(e) } });
  const { stack, emulator } = env;
  const program = (stopped?: boolean) => async () => {
    const bucket = new BucketOwnership("bucket", { destinationConf: DEST });
    const proof = new BucketOwnershipValidation("proof", {
      destinationConf: bucket.destinationConf,
      ownershipChallenge: pulumi.secret(bucket.filename.apply(() => emulator.readChallenge(DEST))),
    });
    new PacketCapture("short", {
      type: "full",
      timeLimit: 10,
      coloName: "ord02",
      destinationConf: proof.destinationConf,
      ...(stopped !== undefined ? { stopped } : {}),
    });
  };
  await stack.up(program());
  // pending 5 s + running 10 s: 16 emulated seconds after its creation it converts.
  await emulator.advance(16);
  const id = stack.resource("short")!.id!;
  expect(emulator.captures().find((c) => c.id === id)?.status).toBe("conversion_pending");

  requests.length = 0;
  const stopped = await stack.up(program(true));
  expect(stepOf(stopped, "short")).toMatchObject({ op: "update" });
  expect(stack.outputs("short")).toMatchObject({
    stopped: true,
    status: expect.stringMatching(/^(conversion_pending|conversion_running|success)$/),
  });
  expect(stack.outputs("short").stopRequested).toBeUndefined();
  // The stop is sent without reading the capture first (the cheaper path when it is still running);
  // the API refuses it as there is nothing left to stop, which is the outcome declared.
  expect(requests.filter((r) => r.route === "PUT /pcaps/:id/stop").map((r) => r.status)).toEqual([400]);
  requests.length = 0;
  await stack.destroy();
  expect(requests.filter((r) => r.route === "PUT /pcaps/:id/stop")).toEqual([]);
});
