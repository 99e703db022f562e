/**
 * Shared plumbing of the reliability tests: running an operation until it converges (recording every
 * failure and checking that its message is one a person can act on), and the invariants between the
 * stand-in's state and the emulator's objects (no orphans, no duplicates).
 */
import type { EmulatorHandle } from "../../emulator";
import { DeploymentError, type ResourceState, type RunResult, type Stack } from "../engine";

export const TYPES = {
  ownership: "pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnership",
  validation: "pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnershipValidation",
  capture: "pulumi-nodejs:dynamic/cloudflare-pcap:PacketCapture",
} as const;

/** Statuses of a capture that still collects: an unknown one of these is an orphan that costs money. */
const ACTIVE = new Set(["pending", "running"]);

/**
 * What every provider error must look like: the engine's `<op> of <urn> failed: ` and then the
 * provider's message, which names what it was doing (the client's operation, or the provider's own
 * step) — never a bare library error or a JavaScript internal.
 */
const STEP = /^(create|update|replace|delete|read|refresh) of urn:pulumi:\S+ failed: /;
const OPERATION =
  /(register bucket|validate bucket|list bucket ownerships|delete bucket ownership|create (simple|full) packet capture|list packet captures|get packet capture|stop packet capture|wait for (simple|full) capture|(simple|full) capture [0-9a-f]{32})/;
const INTERNAL =
  /TypeError|ReferenceError|RangeError|Cannot read propert|\[object Object\]|undefined|\bat .*\.js:\d+/;

export interface Failure {
  operation: string;
  attempt: number;
  message: string;
}

/** Why a failure message is not acceptable, or undefined when it is. */
export function unclear(message: string): string | undefined {
  const firstLine = message.split("\n")[0];
  if (!STEP.test(firstLine)) return "does not say which step failed";
  const provider = firstLine.replace(STEP, "");
  if (!OPERATION.test(provider)) return "does not name the API operation";
  if (INTERNAL.test(message)) return "leaks an internal error";
  if (provider.length < 40) return "too short to act on";
  return undefined;
}

/**
 * Runs `op` until it succeeds, at most `maxRuns` times, calling `after` after every run. Every failure
 * must be a DeploymentError with a clear message; they are recorded in `failures`. Returns the
 * successful result, or throws naming the label and `context` (the seed) with the last error.
 */
export async function untilConverged(
  label: string,
  context: string,
  op: () => Promise<RunResult>,
  failures: Failure[],
  after: () => Promise<void> = async () => undefined,
  maxRuns = 6,
): Promise<{ result: RunResult; runs: number }> {
  let last: unknown;
  for (let attempt = 1; attempt <= maxRuns; attempt++) {
    try {
      const result = await op();
      await after();
      return { result, runs: attempt };
    } catch (err) {
      await after();
      last = err;
      if (!(err instanceof DeploymentError)) {
        throw new Error(
          `${context}: ${label} (run ${attempt}) threw something other than a DeploymentError: ${String(err)}`,
        );
      }
      failures.push({ operation: label, attempt, message: err.message });
      const problem = unclear(err.message);
      if (problem)
        throw new Error(
          `${context}: ${label} (run ${attempt}) failed with an unclear error (${problem}): ${err.message}`,
        );
    }
  }
  throw new Error(
    `${context}: ${label} did not converge in ${maxRuns} runs; last error: ${(last as Error).message}`,
  );
}

export function custom(stack: Stack): ResourceState[] {
  return stack.state.resources.filter((r) => r.custom);
}

export function idsOf(stack: Stack, type: string): string[] {
  return custom(stack)
    .filter((r) => r.type === type && r.id)
    .map((r) => r.id!);
}

/** Every id that appeared in state at any point (created, replaced, destroyed later). */
export class KnownIds {
  readonly captures = new Set<string>();
  readonly ownerships = new Set<string>();

  record(stack: Stack): void {
    for (const id of idsOf(stack, TYPES.capture)) this.captures.add(id);
    for (const id of idsOf(stack, TYPES.ownership)) this.ownerships.add(id);
  }
}

function duplicates(values: string[]): string[] {
  return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}

/**
 * Problems between state and the emulator, each naming `context`. Holds after every operation, failed
 * or not: every emulator ownership is in state (an unknown registration would block the bucket for
 * good: re-registering it is a 409); no capture the emulator holds was created without reaching state
 * (an orphan, or a duplicate of a resource's capture); no active capture is unknown to state; no two
 * resources share an object; every object state names exists.
 */
export async function orphanProblems(
  context: string,
  stack: Stack,
  emulator: EmulatorHandle,
  known: KnownIds,
) {
  await emulator.advance(0);
  const problems: string[] = [];
  const stateOwnerships = idsOf(stack, TYPES.ownership);
  const stateCaptures = idsOf(stack, TYPES.capture);
  const ownerships = emulator.ownerships();
  const captures = emulator.captures();
  for (const id of duplicates(stateOwnerships))
    problems.push(`${context}: two resources in state hold ownership ${id}`);
  for (const id of duplicates(stateCaptures))
    problems.push(`${context}: two resources in state hold capture ${id}`);
  for (const o of ownerships) {
    if (!stateOwnerships.includes(o.id)) {
      problems.push(`${context}: orphan ownership ${o.id} (${o.destination_conf}) is not in state`);
    }
  }
  const destinations = ownerships.map((o) => o.destination_conf);
  for (const d of duplicates(destinations)) problems.push(`${context}: ${d} is registered twice`);
  for (const c of captures) {
    if (!known.captures.has(c.id)) {
      problems.push(
        `${context}: capture ${c.id} (${c.type}, submitted ${c.submitted}) was never in state: an orphan or duplicate`,
      );
    }
    if (ACTIVE.has(c.status ?? "") && !stateCaptures.includes(c.id)) {
      problems.push(`${context}: active ${c.type} capture ${c.id} is not in state`);
    }
  }
  const emulatorCaptureIds = new Set(captures.map((c) => c.id));
  for (const r of custom(stack)) {
    if (r.type === TYPES.capture && !emulatorCaptureIds.has(r.id!)) {
      problems.push(`${context}: capture resource ${r.name} names ${r.id}, which the emulator does not hold`);
    }
  }
  return problems;
}

/** Adds two count maps. */
export function addCounts(total: Record<string, number>, more: Record<string, number>): void {
  for (const [k, v] of Object.entries(more)) total[k] = (total[k] ?? 0) + v;
}
