/**
 * Fault soak: 20 bucket ownerships with their validations and 20 packet captures (19 simple, 1 full)
 * through up → refresh → change half → up → destroy, via the engine stand-in against the emulator
 * injecting 500/503 answers, connection resets, latency, and applied-then-dropped writes. A step may
 * fail, but only with a clear error, and running it again converges; after every operation, failed or
 * not, the emulator holds nothing state does not know and nothing twice.
 *
 * The seed series is fixed, so a failure replays from the seed printed in its message:
 * `PCAP_SOAK_SEEDS=soak-2 npx jest tests/reliability/fault-soak` (comma-separated for several).
 */
import * as pulumi from "@pulumi/pulumi";
import type { EmulatorHandle } from "../../emulator";
import { BucketOwnership, BucketOwnershipValidation, PacketCapture } from "../../sdk";
import { startPcapStack, type PcapStack } from "../support/pcap-stack";
import {
  addCounts,
  custom,
  idsOf,
  KnownIds,
  orphanProblems,
  TYPES,
  untilConverged,
  type Failure,
} from "./support";

const SEEDS = (process.env.PCAP_SOAK_SEEDS ?? "soak-1,soak-2,soak-3").split(",").filter(Boolean);
const OWNERSHIPS = 20;
const SIMPLE_CAPTURES = 19;
/** 20 % of requests answered 500/503, 5 % reset, 10 % of writes applied then dropped, 5 ms each. */
const FAULTS = {
  errorRate: 0.2,
  resetRate: 0.05,
  latencyMs: 5,
  dropAfterApplyRate: 0.1,
  // Exploration with other rates: PCAP_SOAK_FAULTS='{"dropAfterApplyRate":0.3}'
  ...(JSON.parse(process.env.PCAP_SOAK_FAULTS ?? "{}") as Record<string, number>),
};

/** Generation 1 changes every even-numbered resource: new buckets, new capture parameters, a stop. */
function program(emulator: EmulatorHandle, generation: 0 | 1) {
  return async () => {
    const proofs: BucketOwnershipValidation[] = [];
    for (let i = 0; i < OWNERSHIPS; i++) {
      const changed = generation === 1 && i % 2 === 0;
      const destinationConf = `s3://soak-bucket-${i}${changed ? "-b" : ""}?region=us-east-1`;
      const bucket = new BucketOwnership(`bucket-${i}`, { destinationConf });
      // As a user reads the challenge file from the bucket once Cloudflare wrote it.
      const challenge = bucket.filename.apply(() => emulator.readChallenge(destinationConf));
      proofs.push(
        new BucketOwnershipValidation(`proof-${i}`, {
          destinationConf: bucket.destinationConf,
          ownershipChallenge: pulumi.secret(challenge),
        }),
      );
    }
    for (let i = 0; i < SIMPLE_CAPTURES; i++) {
      const changed = generation === 1 && i % 2 === 0;
      // Distinct packet limits: a lost create is reconciled by matching parameters.
      new PacketCapture(`simple-${i}`, {
        type: "simple",
        timeLimit: changed ? 3 : 2, // pending for as many emulated seconds: done within a poll
        packetLimit: 100 + i,
        filter: { protocol: 6, destinationPort: 443 },
        waitForCompletion: i === 3,
      });
    }
    // Only one full capture may be active per account; it writes into an unchanged bucket.
    new PacketCapture("full", {
      type: "full",
      timeLimit: 86_400,
      coloName: "ord02",
      destinationConf: proofs[1].destinationConf,
      packetLimit: 10_000, // 1000 emulated seconds (500 real) of collecting: still running when stopped
      stopped: generation === 1,
    });
  };
}

interface SeedReport {
  seed: string;
  runs: Record<string, number>;
  failures: Failure[];
  statusCounts: Record<string, number>;
  ms: number;
}

const reports: SeedReport[] = [];
let env: PcapStack | undefined;

afterEach(async () => {
  await env?.close();
  env = undefined;
});

afterAll(() => {
  if (reports.length === 0) return;
  const total: Record<string, number> = {};
  for (const r of reports) addCounts(total, r.statusCounts);
  const lines = reports.map(
    (r) =>
      `seed ${r.seed}: ${(r.ms / 1000).toFixed(1)} s, runs ${JSON.stringify(r.runs)}, ` +
      `${r.failures.length} failed operations, answers ${JSON.stringify(r.statusCounts)}`,
  );
  // The figures for the README's "Reliability" section.
  console.log(
    `fault soak: ${reports.length} seeds, ${OWNERSHIPS} ownerships + ${OWNERSHIPS} validations + ${SIMPLE_CAPTURES + 1} captures, ` +
      `orphans 0, duplicates 0\n${lines.join("\n")}\ntotal answers ${JSON.stringify(total)}\n` +
      `failure messages:\n${[...new Set(reports.flatMap((r) => r.failures.map((f) => `  [${r.seed} ${f.operation}#${f.attempt}] ${f.message.split("\n")[0]}`)))].join("\n")}`,
  );
});

test.each(SEEDS)(
  "seed %s: every step succeeds or fails clearly, the next up converges, nothing is orphaned or duplicated",
  async (seed) => {
    const started = Date.now();
    const context = `seed "${seed}"`;
    env = await startPcapStack({ emulator: { timeScale: 2, simpleCaptureIntervalSeconds: 0 } });
    const { stack, emulator } = env;
    emulator.setFaults({ seed, ...FAULTS });
    const known = new KnownIds();
    const failures: Failure[] = [];
    const runs: Record<string, number> = {};
    let runNumber = 0;
    /** After every run of every operation, failed or not: nothing orphaned, nothing duplicated. */
    const checkpoint = (label: string) => async () => {
      known.record(stack);
      const where = `${context}, after ${label} (run ${++runNumber} of the seed)`;
      expect(await orphanProblems(where, stack, emulator, known)).toEqual([]);
    };
    const step = async (label: string, op: Parameters<typeof untilConverged>[2]) => {
      const t = Date.now();
      const outcome = await untilConverged(label, context, op, failures, checkpoint(label));
      runs[label] = outcome.runs;
      runs[`${label} ms`] = Date.now() - t;
      return outcome.result;
    };

    // 1. up from nothing
    await step("up", () => stack.up(program(emulator, 0)));
    expectConverged(context, "up", env, 0);

    // 2. refresh: reads only; drift (captures that completed) is taken in
    await step("refresh", () => stack.refresh());

    // 3. change half: 10 buckets move (replace, create-before-delete), 10 captures are replaced, the
    //    full capture is stopped
    await step("up (half changed)", () => stack.up(program(emulator, 1)));
    expectConverged(context, "up (half changed)", env, 1);
    // Converged means nothing is left to do: a further up changes nothing (and calls no API).
    const again = await stack.up(program(emulator, 1));
    expect({ context, changed: again.steps.filter((s) => s.op !== "same") }).toEqual({
      context,
      changed: [],
    });

    // 4. destroy
    await step("destroy", () => stack.destroy());
    await emulator.advance(0);
    expect({ context, state: custom(stack), ownerships: emulator.ownerships() }).toEqual({
      context,
      state: [],
      ownerships: [],
    });
    expect({
      context,
      active: emulator.captures().filter((c) => c.status === "pending" || c.status === "running"),
    }).toEqual({ context, active: [] });

    // Faults really were injected, of every kind.
    const counts = emulator.statusCounts();
    for (const kind of ["500", "503", "reset", "dropped"]) {
      expect({ context, kind, injected: (counts[kind] ?? 0) > 0 }).toEqual({ context, kind, injected: true });
    }
    reports.push({ seed, runs, failures, statusCounts: counts, ms: Date.now() - started });
  },
  110_000,
);

/** After a successful up: exactly the declared resources, each with exactly one emulator object. */
function expectConverged(context: string, label: string, pcap: PcapStack, generation: 0 | 1): void {
  const { stack, emulator } = pcap;
  const resources = custom(stack);
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const where = `${context}, after ${label}`;
  expect({ where, pendingDelete: resources.filter((r) => r.pendingDelete).map((r) => r.name) }).toEqual({
    where,
    pendingDelete: [],
  });
  expect({
    where,
    ownerships: byType(TYPES.ownership).length,
    validations: byType(TYPES.validation).length,
    captures: byType(TYPES.capture).length,
  }).toEqual({ where, ownerships: OWNERSHIPS, validations: OWNERSHIPS, captures: SIMPLE_CAPTURES + 1 });

  // Ownerships: the emulator holds exactly state's, each validated, with the declared destination.
  const emulatorOwnerships = emulator.ownerships();
  expect({ where, ids: emulatorOwnerships.map((o) => o.id).sort() }).toEqual({
    where,
    ids: idsOf(stack, TYPES.ownership).sort(),
  });
  expect({ where, notValidated: emulatorOwnerships.filter((o) => o.status !== "success") }).toEqual({
    where,
    notValidated: [],
  });
  for (const r of byType(TYPES.validation)) {
    expect({ where, name: r.name, ownership: stack.outputs(r.name, TYPES.validation).ownershipId }).toEqual({
      where,
      name: r.name,
      ownership: stack.resource(r.name.replace("proof", "bucket"), TYPES.ownership)!.id,
    });
  }

  // Captures: each resource's capture exists once, with the declared parameters.
  const captures = new Map(emulator.captures().map((c) => [c.id, c]));
  for (const r of byType(TYPES.capture)) {
    const wire = captures.get(r.id!);
    const declared = stack.outputs(r.name, TYPES.capture);
    // The wire never reports a packet limit: the emulator says what the capture was requested with.
    const packetLimit = wire && emulator.requestedPacketLimit(wire.id);
    expect({ where, name: r.name, packetLimit, timeLimit: wire?.time_limit }).toEqual({
      where,
      name: r.name,
      packetLimit: declared.packetLimit,
      timeLimit: declared.timeLimit,
    });
  }
  const full = captures.get(stack.resource("full", TYPES.capture)!.id!);
  expect({ where, stopRequested: full?.stop_requested !== undefined }).toEqual({
    where,
    stopRequested: generation === 1,
  });
}
