/**
 * BucketOwnership and BucketOwnershipValidation through the engine stand-in (the SDK's own plugin over
 * gRPC) against the emulator over HTTP.
 */
import * as pulumi from "@pulumi/pulumi";
import { BucketOwnership, BucketOwnershipValidation } from "../../sdk";
import { PcapClient } from "../../client";
import { DeploymentError, isSecret, UNKNOWN } from "../engine";
import { startPcapStack, totalRequests, type PcapStack } from "../support/pcap-stack";

const DEST = "s3://captures-bucket?region=us-east-1";
const OTHER_DEST = "gs://captures-other/edge";

let env: PcapStack;
afterEach(async () => env?.close());

/** Register + read the challenge from the emulator's bucket directory + validate, in one program. */
function onboarding(destinationConf: string, read: (dest: string) => string) {
  return async () => {
    const bucket = new BucketOwnership("captures", { destinationConf });
    const challenge = bucket.filename.apply(() => read(destinationConf));
    const proof = new BucketOwnershipValidation("captures", {
      destinationConf: bucket.destinationConf,
      ownershipChallenge: pulumi.secret(challenge),
    });
    return { ownershipId: bucket.id, status: proof.status };
  };
}

it("full lifecycle: register + validate, no-op up and refresh, update, replace, delete, destroy", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  const read = (dest: string) => emulator.readChallenge(dest);

  const first = await stack.up(onboarding(DEST, read));
  expect(first.summary).toEqual({ create: 2 });
  expect(first.outputs.status).toBe("success");
  expect(emulator.ownerships()).toEqual([
    expect.objectContaining({ destination_conf: DEST, status: "success" }),
  ]);
  expect(stack.resource("captures", "pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnership")!.id).toBe(
    emulator.ownerships()[0].id,
  );
  expect(
    isSecret(
      stack.resource("captures", "pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnershipValidation")!.outputs
        .ownershipChallenge,
    ),
  ).toBe(true);

  emulator.resetCounts();
  expect((await stack.up(onboarding(DEST, read))).changed).toBe(false);
  expect((await stack.refresh()).changed).toBe(false);
  expect((await stack.up(onboarding(DEST, read))).changed).toBe(false);
  expect(emulator.requestCounts()["POST /pcaps/ownership"] ?? 0).toBe(0);
  expect(emulator.requestCounts()["POST /pcaps/ownership/validate"] ?? 0).toBe(0);

  // Declaring the challenge on the BucketOwnership itself: an update that validates again.
  const withChallenge = async () => {
    const bucket = new BucketOwnership("captures", {
      destinationConf: DEST,
      ownershipChallenge: pulumi.secret(read(DEST)),
    });
    return { status: bucket.status };
  };
  emulator.resetCounts();
  const updated = await stack.up(withChallenge);
  expect(updated.steps.find((s) => s.type.endsWith(":BucketOwnership"))?.op).toBe("update");
  expect(updated.summary.delete).toBe(1); // the validation resource left the program: nothing removed on Cloudflare
  expect(emulator.requestCounts()["POST /pcaps/ownership/validate"]).toBe(1);
  expect(emulator.requestCounts()["POST /pcaps/ownership"] ?? 0).toBe(0);
  expect(emulator.ownerships()).toHaveLength(1);

  // A new destination: replaced, create-before-delete.
  const replaced = await stack.up(onboarding(OTHER_DEST, read));
  expect(replaced.steps.find((s) => s.type.endsWith(":BucketOwnership"))).toMatchObject({
    op: "replace",
    replaces: ["destinationConf"],
  });
  expect(emulator.ownerships().map((o) => o.destination_conf)).toEqual([OTHER_DEST]);
  expect(emulator.ownerships()[0].status).toBe("success");

  // Removed from the program: deleted.
  const removed = await stack.up(async () => undefined);
  expect(removed.summary).toEqual({ delete: 2 });
  expect(emulator.ownerships()).toEqual([]);

  await stack.up(onboarding(DEST, read));
  await stack.destroy();
  expect(emulator.ownerships()).toEqual([]);
  expect(stack.state.resources).toEqual([]);
});

it("an ownership deleted outside Pulumi is dropped by refresh and recreated by the next up", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  const program = async () => {
    new BucketOwnership("b", { destinationConf: DEST });
  };
  await stack.up(program);
  const [ownership] = emulator.ownerships();
  await emulator.deleteOwnershipOutOfBand(ownership.id);

  const refreshed = await stack.refresh();
  expect(refreshed.steps).toEqual([expect.objectContaining({ name: "b", op: "delete" })]);
  expect(stack.state.resources).toEqual([]);

  expect((await stack.up(program)).summary).toEqual({ create: 1 });
  expect(emulator.ownerships()).toHaveLength(1);
  expect(emulator.ownerships()[0].id).not.toBe(ownership.id);
});

it("refresh shows status drift, and the next up validates again", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  const program = async () => {
    new BucketOwnership("b", { destinationConf: DEST, ownershipChallenge: emulator.readChallenge(DEST) });
  };
  // The challenge can only be read once registered: register first, then declare it.
  await stack.up(async () => {
    new BucketOwnership("b", { destinationConf: DEST });
  });
  await stack.up(program);
  const [ownership] = emulator.ownerships();
  expect(ownership.status).toBe("success");

  await emulator.setOwnershipStatusOutOfBand(ownership.id, "failed");
  const refreshed = await stack.refresh();
  expect(refreshed.steps[0]).toMatchObject({ op: "refresh", diffs: expect.arrayContaining(["status"]) });
  expect(stack.outputs("b").status).toBe("failed");

  const healed = await stack.up(program);
  expect(healed.steps[0].op).toBe("update");
  expect(emulator.ownerships()[0].status).toBe("success");
});

it("a wrong challenge fails naming the bucket; the registration stays in state; the fix validates without re-registering", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  const program = (challenge: () => string) => async () => {
    const bucket = new BucketOwnership("b", { destinationConf: DEST });
    new BucketOwnershipValidation("v", {
      destinationConf: bucket.destinationConf,
      ownershipChallenge: bucket.filename.apply(challenge),
    });
  };

  const err = await stack.up(program(() => "not-the-token")).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeploymentError);
  expect((err as Error).message).toMatch(
    new RegExp(
      `validate bucket ${DEST.replace(/[?.]/g, "\\$&")} .*the ownership challenge did not match \\(status "failed"\\)`,
    ),
  );
  expect(stack.resource("b")!.id).toBe(emulator.ownerships()[0].id);
  expect(stack.resource("v")!.outputs.status).toBe("failed"); // kept in state by the partial failure

  emulator.resetCounts();
  const fixed = await stack.up(program(() => emulator.readChallenge(DEST)));
  expect(fixed.steps.find((s) => s.name === "v")?.op).toBe("update");
  expect(emulator.requestCounts()["POST /pcaps/ownership"] ?? 0).toBe(0);
  expect(emulator.requestCounts()["POST /pcaps/ownership/validate"]).toBe(1);
  expect(emulator.ownerships()).toEqual([expect.objectContaining({ status: "success" })]);
  await stack.destroy();
  expect(emulator.ownerships()).toEqual([]);
});

it("adopt takes over an existing registration; without it the error says how", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  const client = new PcapClient({ credentials: { apiToken: emulator.token }, baseUrl: emulator.url });
  const existing = await client.addOwnership(emulator.accountId, DEST);
  await client.close();

  const err = await stack
    .up(async () => {
      new BucketOwnership("b", { destinationConf: DEST });
    })
    .catch((e: unknown) => e);
  expect((err as Error).message).toMatch(
    new RegExp(
      `already registered \\(ownership id ${existing.id}, status "pending"\\)\\. To manage that registration with this resource, set \`adopt: true\``,
    ),
  );
  expect(stack.state.resources.filter((r) => r.custom)).toEqual([]);

  emulator.resetCounts();
  await stack.up(async () => {
    new BucketOwnership("b", { destinationConf: DEST, adopt: true });
  });
  expect(stack.resource("b")!.id).toBe(existing.id);
  expect(emulator.requestCounts()["POST /pcaps/ownership"] ?? 0).toBe(0);
  await stack.destroy();
  expect(emulator.ownerships()).toEqual([]);
});

it.each<[string, () => void, string, RegExp]>([
  ["no destination", () => new BucketOwnership("b", {} as never), "destinationConf", /is required/],
  [
    "an ftp URI",
    () => new BucketOwnership("b", { destinationConf: "ftp://x" }),
    "destinationConf",
    /not supported/,
  ],
  [
    "a number",
    () => new BucketOwnership("b", { destinationConf: 7 as never }),
    "destinationConf",
    /not a number/,
  ],
  [
    "an empty challenge",
    () => new BucketOwnershipValidation("v", { destinationConf: DEST, ownershipChallenge: "" }),
    "ownershipChallenge",
    /must not be empty/,
  ],
])("bad input (%s) fails check naming %s, with zero API calls", async (_what, declare, property, reason) => {
  env = await startPcapStack();
  const err = await env.stack.up(async () => void declare()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeploymentError);
  expect((err as Error).message).toContain(property);
  expect((err as Error).message).toMatch(reason);
  expect(totalRequests(env.emulator)).toBe(0);
});

it("unknown values pass during preview, with zero API calls", async () => {
  env = await startPcapStack();
  const preview = await env.stack.preview(onboarding(DEST, () => "unused"));
  expect(preview.summary).toEqual({ create: 2 });
  expect(preview.outputs.status).toBe(UNKNOWN);
  expect(totalRequests(env.emulator)).toBe(0);
});

it("__provider is small, credential-free and path-free; no output holds the token", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  await stack.up(onboarding(DEST, (d) => emulator.readChallenge(d)));
  const serialized = JSON.stringify(stack.state);
  for (const resource of stack.state.resources.filter((r) => r.custom)) {
    const provider = resource.outputs.__provider as string;
    expect(typeof provider).toBe("string");
    expect(provider.length).toBeLessThanOrEqual(2500); // seven forwarders, one per method (sdk/shim.ts)
    expect(provider).toBe(resource.inputs.__provider);
    expect(provider).not.toContain(process.cwd());
    expect(provider).not.toContain(__dirname.split("/tests")[0]);
  }
  expect(serialized).not.toContain(emulator.token);
  expect(serialized).not.toContain(emulator.apiKey);
});

it("refresh of 50 ownerships costs at most 3 list calls", async () => {
  env = await startPcapStack();
  const { stack, emulator } = env;
  const program = async () => {
    for (let i = 0; i < 50; i++)
      new BucketOwnership(`b${i}`, { destinationConf: `r2://bucket-${i}?account-id=x` });
  };
  await stack.up(program);
  expect(emulator.ownerships()).toHaveLength(50);
  emulator.resetCounts();
  expect((await stack.refresh()).changed).toBe(false);
  expect(emulator.requestCounts()["GET /pcaps/ownership"]).toBeLessThanOrEqual(3);
  expect(totalRequests(emulator)).toBe(emulator.requestCounts()["GET /pcaps/ownership"]);
  await stack.destroy();
  expect(emulator.ownerships()).toEqual([]);
}, 60_000);
