/**
 * Secrets: a lifecycle with a distinctive API token — failed steps included — and the token appears
 * nowhere: not in the stand-in's state (inputs, outputs, `__provider`), not in any failed step's error,
 * not in what the plugin printed, not in the emulator's request log. The ownership challenge, passed as
 * a secret, stays marked secret in state and appears in plain text in none of those either.
 */
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { RequestLogEntry } from "../../emulator";
import { BucketOwnership, BucketOwnershipValidation, PacketCapture } from "../../sdk";
import { DeploymentError, isSecret, type RunResult } from "../engine";
import { startPcapStack, type PcapStack } from "../support/pcap-stack";
import { TYPES } from "./support";

const TOKEN = `tok-RELIABILITY-SECRET-${randomBytes(12).toString("hex")}`;
const DEST = "s3://secret-bucket?region=us-east-1";
const OTHER_ACCOUNT = "f".repeat(32);

let env: PcapStack | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

test("the token and the challenge never leak; the challenge stays secret in state", async () => {
  const requestLog: RequestLogEntry[] = [];
  env = await startPcapStack({
    emulator: { token: TOKEN, timeScale: 60, log: (entry) => requestLog.push(entry) },
  });
  const { stack, emulator } = env;
  const logs: string[] = [];
  const errors: string[] = [];
  const states: string[] = [];
  let challenge = "";

  /** Runs an operation, keeping what could leak whether it succeeds or fails. */
  const run = async (op: () => Promise<RunResult>, outcome: "ok" | "fails" | "either" = "ok") => {
    let result: RunResult;
    try {
      result = await op();
      expect({ outcome, failed: false }).toEqual({ outcome, failed: outcome === "fails" });
    } catch (err) {
      if (!(err instanceof DeploymentError)) throw err;
      expect({ outcome, failed: true, message: err.message }).toEqual({
        outcome,
        failed: outcome !== "ok",
        message: err.message,
      });
      errors.push(err.message, ...err.result.steps.map((s) => s.error ?? ""));
      result = err.result;
    }
    logs.push(...result.log);
    states.push(JSON.stringify(stack.state));
  };

  const program =
    (options: { wrongChallenge?: boolean; otherAccount?: boolean; packetLimit?: number } = {}) =>
    async () => {
      const bucket = new BucketOwnership("bucket", { destinationConf: DEST });
      const read = bucket.filename.apply(() => (challenge = emulator.readChallenge(DEST)));
      const proof = new BucketOwnershipValidation("proof", {
        destinationConf: bucket.destinationConf,
        ownershipChallenge: pulumi.secret(options.wrongChallenge ? read.apply((c) => `${c}-wrong`) : read),
      });
      new PacketCapture("sample", {
        type: "simple",
        timeLimit: 10,
        packetLimit: options.packetLimit ?? 100,
        waitForCompletion: true,
      });
      if (options.otherAccount) {
        // The token has no access to this account: a 403 whose message must not carry the token.
        new PacketCapture("elsewhere", {
          type: "simple",
          timeLimit: 10,
          packetLimit: 5,
          accountId: OTHER_ACCOUNT,
        });
      }
      return { status: proof.status };
    };

  await run(() => stack.up(program({ wrongChallenge: true })), "fails"); // challenge mismatch: partial failure
  await run(() => stack.up(program({ otherAccount: true })), "fails"); // 403 in another account
  emulator.setFaults({ seed: "secrets", errorRate: 0.5 });
  await run(() => stack.refresh(), "either"); // 500/503 until the retries run out, or not
  emulator.setFaults({ errorRate: 0 });
  await run(() => stack.up(program()));
  await run(() => stack.refresh());
  await run(() => stack.up(program({ packetLimit: 200 })));

  // The challenge is secret wherever state holds it, on both resources, inputs and outputs.
  for (const [name, type] of [
    ["bucket", TYPES.ownership],
    ["proof", TYPES.validation],
  ] as const) {
    const resource = stack.resource(name, type)!;
    if (type === TYPES.validation) expect(isSecret(resource.inputs.ownershipChallenge)).toBe(true);
    if (resource.outputs.ownershipChallenge !== undefined) {
      expect(isSecret(resource.outputs.ownershipChallenge)).toBe(true);
    }
  }
  expect(isSecret(stack.resource("proof", TYPES.validation)!.outputs.ownershipChallenge)).toBe(true);
  expect(stack.outputs("proof", TYPES.validation).ownershipChallenge).toBe(challenge);

  await run(() => stack.destroy());

  expect(challenge).toMatch(/^[0-9a-f]{64}$/);
  expect(errors.filter(Boolean).length).toBeGreaterThanOrEqual(2);
  expect(logs.length).toBeGreaterThan(0);
  expect(requestLog.length).toBeGreaterThan(0);
  const haystacks = {
    state: states.join("\n"),
    errors: errors.join("\n"),
    pluginLog: logs.join("\n"),
    emulatorLog: JSON.stringify(requestLog),
  };
  for (const [where, text] of Object.entries(haystacks)) {
    expect({ where, token: text.includes(TOKEN) }).toEqual({ where, token: false });
    expect({ where, challenge: text.includes(challenge) }).toEqual({ where, challenge: false });
    // Not even a recognizable part of the token.
    expect({ where, tokenPart: text.includes(TOKEN.slice(-16)) }).toEqual({ where, tokenPart: false });
  }
}, 90_000);
