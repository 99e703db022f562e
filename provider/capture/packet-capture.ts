/**
 * PacketCapture: a capture request as a resource. Captures cannot be edited, so any change to what is
 * captured replaces the capture — a full one delete-before-replace, since only one full capture may be
 * active and the old one must be stopped first. `stopped: true` is the declared state "stopped": an
 * update that calls stop. Deleting stops an active full capture; otherwise there is nothing to call (the
 * API keeps capture history).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { PcapClient } from "../../client/client";
import { PcapApiError, PcapNetworkError } from "../../client/errors";
import {
  failureReason,
  isCaptureActive,
  isCaptureDone,
  type Capture,
  type CaptureRequest,
} from "../../client/types";
import { checkWith, isUnknown, stripUndefined } from "../check";
import { accountIdFor, configureProvider, contextFor } from "../context";
import { logLine } from "../log";
import { PartialFailure, keepingProvider } from "../partial-failure";
import { pollUntil } from "../wait";
import { createCaptureOnce, fullSlots, sameFilter } from "./create";
import { SharedList } from "../shared-list";
import { readState } from "../state";
import {
  CAPTURE_DEFINING_INPUTS,
  packetCaptureInputs,
  packetCaptureState,
  type PacketCaptureInputs,
  type PacketCaptureState,
} from "./schemas";

/** Capture lists shared by the reads of a refresh; dropped on every create and stop. */
const captures = new SharedList<Capture>();

/** Beyond the capture's own time limit: queueing, conversion, and the one-per-minute wait. */
const DEFAULT_EXTRA_SECONDS = 600;

function parseInputs(news: Record<string, unknown>): PacketCaptureInputs {
  // Inputs reaching create/update have passed check; the offset window was judged there.
  return packetCaptureInputs(news.offsetTime).parse(news) as PacketCaptureInputs;
}

function toRequest(inputs: PacketCaptureInputs): CaptureRequest {
  if (inputs.type === "simple") {
    return stripUndefined({
      type: "simple" as const,
      system: inputs.system,
      timeLimit: inputs.timeLimit,
      packetLimit: inputs.packetLimit!,
      filter: inputs.filter,
      offsetTime: inputs.offsetTime,
    });
  }
  return stripUndefined({
    type: "full" as const,
    system: inputs.system,
    timeLimit: inputs.timeLimit,
    coloName: inputs.coloName!,
    destinationConf: inputs.destinationConf!,
    byteLimit: inputs.byteLimit,
    packetLimit: inputs.packetLimit,
    filter: inputs.filter,
  });
}

function completionTimeoutSeconds(
  inputs: Pick<PacketCaptureInputs, "completionTimeoutSeconds" | "timeLimit">,
): number {
  return inputs.completionTimeoutSeconds ?? inputs.timeLimit + DEFAULT_EXTRA_SECONDS;
}

function outputsOf(capture: Capture, accountId: string, inputs: PacketCaptureInputs): PacketCaptureState {
  const { accountId: _given, ...declared } = inputs;
  return stripUndefined({
    ...declared,
    accountId,
    status: capture.status,
    submitted: capture.submitted,
    packetsCaptured: capture.packetsCaptured,
    stopRequested: capture.stopRequested,
    errorMessage: capture.errorMessage,
  });
}

/** The state with what the API reports now. */
function withReported(state: PacketCaptureState, capture: Capture): PacketCaptureState {
  const { packetsCaptured: _p, stopRequested: _s, errorMessage: _e, ...rest } = state;
  return stripUndefined({
    ...rest,
    status: capture.status,
    submitted: capture.submitted ?? state.submitted,
    packetsCaptured: capture.packetsCaptured,
    stopRequested: capture.stopRequested,
    errorMessage: capture.errorMessage,
  });
}

/** Whole seconds left until a deadline (ms since the epoch); 0 once it has passed. */
function secondsUntil(deadline: number): number {
  return Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
}

async function waitForCompletion(
  client: PcapClient,
  id: string,
  state: PacketCaptureState,
  timeoutSeconds: number = completionTimeoutSeconds(state),
): Promise<PacketCaptureState> {
  const reported: Capture = stripUndefined({
    id,
    status: state.status,
    submitted: state.submitted,
    packetsCaptured: state.packetsCaptured,
    stopRequested: state.stopRequested,
    errorMessage: state.errorMessage,
  });
  const result = await pollUntil<Capture>(reported, {
    what: `${state.type} capture ${id} to complete`,
    poll: () => client.getCapture(state.accountId, id),
    isDone: (c) => isCaptureDone(c.status),
    describe: (c) => `${c.status}${c.packetsCaptured !== undefined ? `, ${c.packetsCaptured} packets` : ""}`,
    timeoutSeconds,
  });
  const done = withReported(state, result.value);
  if (!result.done) {
    throw new PartialFailure(
      id,
      done,
      `wait for ${state.type} capture ${id} in account ${state.accountId}: still "${result.value.status}" after ` +
        `${result.waitedSeconds} s. Run \`pulumi up\` again to keep waiting, or raise completionTimeoutSeconds.`,
    );
  }
  if (done.status === "failed") {
    throw new PartialFailure(
      id,
      done,
      `${state.type} capture ${id} in account ${state.accountId} failed: ${failureReason(done)}. ` +
        "Fix the cause (for a full capture, the bucket's access and validation; for any capture, a filter that " +
        "matches traffic), then run `pulumi up` again to replace it.",
    );
  }
  return done;
}

/**
 * The API stops a full capture only while it collects (`pending`, `running`); one that converts or has
 * finished answers 400. A status this provider does not know yet is tried (a 400 is tolerated).
 */
function isStoppable(capture: Pick<Capture, "status" | "stopRequested">): boolean {
  return (
    isCaptureActive(capture.status) &&
    capture.status !== "conversion_pending" &&
    capture.status !== "conversion_running" &&
    !capture.stopRequested
  );
}

/**
 * Stops a full capture. The stop is sent straight away: 204 stops it, and 400 (already converting or
 * finished) or 404 (gone) leave nothing to stop, so reading the capture first would only cost a request.
 * When every answer was lost, the capture itself says whether the stop took.
 */
async function stop(client: PcapClient, accountId: string, id: string): Promise<void> {
  try {
    await client.stopCapture(accountId, id);
    logLine(`stopped full capture ${id}`);
  } catch (err) {
    if (err instanceof PcapApiError && (err.status === 400 || err.status === 404)) return;
    if (!(err instanceof PcapNetworkError)) throw err;
    const after = await client.getCapture(accountId, id);
    if (isStoppable(after)) throw err;
    logLine(`the answer to stopping full capture ${id} was lost; it is stopped (${after.status})`);
  } finally {
    captures.forget(accountId);
    fullSlots.release(accountId, id);
  }
}

/** Stops the capture and reports its state after the stop (the 204 carries no body). */
async function stopAndRead(
  client: PcapClient,
  id: string,
  state: PacketCaptureState,
): Promise<PacketCaptureState> {
  await stop(client, state.accountId, id);
  return withReported(state, await client.getCapture(state.accountId, id));
}

/**
 * Tells the full-capture slot what state shows of a full capture, so that a second full capture in the
 * same deployment is refused before its request, naming this one's resource.
 */
function noteFullCapture(id: string, state: PacketCaptureState, resourceName?: string): void {
  if (state.type !== "full") return;
  if (isStoppable(state) && !state.stopped) {
    fullSlots.hold(state.accountId, {
      id,
      coloName: state.coloName,
      resourceName: resourceName ?? state.resourceName,
    });
  } else {
    fullSlots.release(state.accountId, id);
  }
}

/** Whether stored state already says there is nothing to stop: converting, finished, or stop requested. */
function storedAsStopped(state: PacketCaptureState): boolean {
  return !isStoppable(state);
}

/**
 * A capture as the API reports it now. Reads of a refresh share one list (it holds the newest 50 with
 * their status); a capture not on it is fetched by id.
 */
async function currentCapture(client: PcapClient, accountId: string, id: string): Promise<Capture> {
  const listed = (await captures.get(accountId, () => client.listCaptures(accountId))).find(
    (c) => c.id === id,
  );
  return listed ?? client.getCapture(accountId, id);
}

function changed(a: unknown, b: unknown): boolean {
  if (isUnknown(a)) return true;
  if (typeof a === "object" || typeof b === "object") {
    return !sameFilter(a as PacketCaptureInputs["filter"], b as PacketCaptureInputs["filter"]);
  }
  return a !== b;
}

export const packetCaptureProvider: dynamic.ResourceProvider = {
  async configure(request) {
    configureProvider(request.config);
  },

  async check(olds, news) {
    return checkWith(packetCaptureInputs(olds?.offsetTime), news);
  },

  async diff(id, olds, news) {
    const old = readState(packetCaptureState, olds, "PacketCapture");
    noteFullCapture(id, old, typeof news.resourceName === "string" ? news.resourceName : undefined);
    const replaces: string[] = CAPTURE_DEFINING_INPUTS.filter((key) => changed(news[key], old[key]));
    if (isUnknown(news.accountId) || accountIdFor(news.accountId as string | undefined) !== old.accountId) {
      replaces.push("accountId");
    }
    if (old.stopped && !news.stopped) replaces.push("stopped"); // a stopped capture cannot resume
    // A capture that failed while its completion was declared: the declared state is a new attempt.
    if (news.waitForCompletion && old.status === "failed") replaces.push("status");
    const changes =
      replaces.length > 0 ||
      Boolean(news.stopped) !== Boolean(old.stopped) ||
      news.waitForCompletion !== old.waitForCompletion ||
      news.completionTimeoutSeconds !== old.completionTimeoutSeconds ||
      // A wait that timed out in an earlier run is unfinished work.
      (news.waitForCompletion === true && !isCaptureDone(old.status) && !news.stopped);
    return {
      changes,
      replaces,
      // Only one full capture may be active: the old one must be stopped before the new one starts.
      deleteBeforeReplace: replaces.length > 0 && (old.type === "full" || news.type === "full"),
    };
  },

  async create(news) {
    return keepingProvider(news, async () => {
      const inputs = parseInputs(news);
      const { client, accountId, settings } = contextFor(inputs.accountId);
      const { capture, deadline } = await createCaptureOnce(client, accountId, toRequest(inputs), {
        timeoutSeconds: completionTimeoutSeconds(inputs),
        timeoutIncludesQueue: inputs.completionTimeoutSeconds !== undefined,
        simpleIntervalSeconds: settings.simpleCaptureIntervalSeconds,
        resourceName: inputs.resourceName,
      });
      captures.forget(accountId);
      let state = outputsOf(capture, accountId, inputs);
      try {
        if (inputs.stopped) state = await stopAndRead(client, capture.id, state);
        if (inputs.waitForCompletion) {
          state = await waitForCompletion(client, capture.id, state, secondsUntil(deadline));
        }
      } catch (err) {
        if (err instanceof PartialFailure) throw err;
        // The capture exists: keep it in state whatever went wrong after creating it.
        throw new PartialFailure(capture.id, state, (err as Error).message);
      }
      return { id: capture.id, outs: state };
    });
  },

  async update(id, olds, news) {
    return keepingProvider(news, async () => {
      const old = readState(packetCaptureState, olds, "PacketCapture");
      const inputs = parseInputs(news);
      const { client } = contextFor(old.accountId);
      let state: PacketCaptureState = stripUndefined({
        ...old,
        waitForCompletion: inputs.waitForCompletion,
        completionTimeoutSeconds: inputs.completionTimeoutSeconds,
        stopped: inputs.stopped,
        resourceName: inputs.resourceName,
      });
      if (inputs.stopped && !old.stopped && !storedAsStopped(old))
        state = await stopAndRead(client, id, state);
      if (inputs.waitForCompletion && !inputs.stopped && !isCaptureDone(state.status)) {
        state = await waitForCompletion(client, id, state);
      }
      noteFullCapture(id, state);
      return { outs: state };
    });
  },

  async read(id, props) {
    const old = readState(packetCaptureState, props, "PacketCapture");
    const { client } = contextFor(old.accountId);
    try {
      const props = withReported(old, await currentCapture(client, old.accountId, id));
      noteFullCapture(id, props);
      return { id, props };
    } catch (err) {
      if (err instanceof PcapApiError && err.status === 404) return {}; // gone: drop it from state
      throw err;
    }
  },

  async delete(id, props) {
    const old = readState(packetCaptureState, props, "PacketCapture");
    if (old.type === "full") fullSlots.release(old.accountId, id);
    // Simple captures end by themselves, and a finished or stopped full capture has nothing left to stop;
    // the API keeps capture history and has no delete.
    if (old.type !== "full" || storedAsStopped(old)) return;
    const { client } = contextFor(old.accountId);
    await stop(client, old.accountId, id);
  },
};
