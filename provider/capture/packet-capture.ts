/**
 * PacketCapture: a capture request as a resource. Captures cannot be edited, so any change to what is
 * captured replaces the capture — a full one delete-before-replace, since only one full capture may be
 * active and the old one must be stopped first. `stopped: true` is the declared state "stopped": an
 * update that calls stop. Deleting stops an active full capture; otherwise there is nothing to call (the
 * API keeps capture history).
 */
import { PcapInvalidRequestError, PcapNetworkError, PcapNotFoundError } from "../../client/errors";
import {
  failureReason,
  isCaptureActive,
  isCaptureDone,
  type Capture,
  type CaptureRequest,
} from "../../client/types";
import { isPlainObject, stripUndefined } from "../check";
import { logLine } from "../log";
import { PartialFailure } from "../partial-failure";
import type { ResourceDefinition } from "../resource";
import type { Account, Runtime } from "../runtime";
import { pollUntil } from "../wait";
import { createCaptureOnce, sameFilter } from "./create";
import {
  packetCaptureInputs,
  packetCaptureInputsAtCheck,
  packetCaptureState,
  type PacketCaptureInputs,
  type PacketCaptureState,
} from "./schemas";

/** Beyond the capture's own time limit: queueing, conversion, and the one-per-minute wait. */
const DEFAULT_EXTRA_SECONDS = 600;

export const packetCapture: ResourceDefinition<PacketCaptureInputs, PacketCaptureState> = {
  kind: "PacketCapture",
  inputs: packetCaptureInputs,
  inputsAtCheck: (olds) => packetCaptureInputsAtCheck(isPlainObject(olds) ? olds.offsetTime : undefined),
  state: packetCaptureState,
  secrets: [],
  // What is captured: captures cannot be edited, so any change means a new capture.
  replaceOn: [
    "type",
    "system",
    "timeLimit",
    "packetLimit",
    "byteLimit",
    "coloName",
    "destinationConf",
    "filter",
    "offsetTime",
  ],
  updateOn: ["stopped", "waitForCompletion", "completionTimeoutSeconds"],
  sameWhen: {
    filter: (a, b) => sameFilter(isPlainObject(a) ? a : undefined, isPlainObject(b) ? b : undefined),
    stopped: (a, b) => Boolean(a) === Boolean(b),
  },
  replaceAlso: (old, news) => [
    ...(old.stopped && !news.stopped ? ["stopped"] : []), // a stopped capture cannot resume
    // A capture that failed while its completion was declared: the declared state is a new attempt.
    ...(news.waitForCompletion && old.status === "failed" ? ["status"] : []),
  ],
  // Only one full capture may be active: the old one must be stopped before the new one starts.
  deleteBeforeReplace: (old, news) => old.type === "full" || news.type === "full",
  // A wait that timed out in an earlier run is unfinished work.
  unfinished: (old, news) => news.waitForCompletion === true && !isCaptureDone(old.status) && !news.stopped,
  observe: (runtime, id, state, news) => {
    // A capture some resource's state holds is never another resource's lost answer: the list cannot
    // tell captures apart by packet_limit, and an earlier run's capture may still be in the window.
    runtime.claimedCaptureIds.add(id);
    noteFullCapture(
      runtime,
      id,
      state,
      typeof news?.resourceName === "string" ? news.resourceName : undefined,
    );
  },

  async create(runtime, inputs, exists) {
    const account = runtime.account(inputs.accountId);
    const { capture, deadline } = await createCaptureOnce(account, toRequest(inputs), {
      timeoutSeconds: completionTimeoutSeconds(inputs),
      timeoutIncludesQueue: inputs.completionTimeoutSeconds !== undefined,
      simpleIntervalSeconds: account.settings.simpleCaptureIntervalSeconds,
      resourceName: inputs.resourceName,
    });
    runtime.captureList.forget(account.id);
    let state = outputsOf(capture, account.id, inputs);
    exists(capture.id, state);
    if (inputs.type === "full" && inputs.stopped) {
      state = await stopAndRead(account, capture.id, state);
      exists(capture.id, state);
    }
    if (inputs.waitForCompletion) {
      state = await waitForCompletion(account, capture.id, state, secondsUntil(deadline));
    }
    return { id: capture.id, state };
  },

  async update(runtime, id, old, inputs) {
    const account = runtime.account(old.accountId);
    const { stopped } = inputs;
    let state: PacketCaptureState = {
      ...old,
      waitForCompletion: inputs.waitForCompletion,
      completionTimeoutSeconds: inputs.completionTimeoutSeconds,
      stopped,
      resourceName: inputs.resourceName,
    };
    if (stopped && !old.stopped && isStoppable(old)) state = await stopAndRead(account, id, state);
    if (inputs.waitForCompletion && !stopped && !isCaptureDone(state.status)) {
      state = await waitForCompletion(account, id, state);
    }
    return state;
  },

  async read(runtime, id, old) {
    const account = runtime.account(old.accountId);
    try {
      return withReported(old, await currentCapture(account, id));
    } catch (err) {
      if (err instanceof PcapNotFoundError) return undefined; // gone: drop it from state
      throw err;
    }
  },

  async delete(runtime, id, old) {
    if (old.type === "full") runtime.fullCaptureSlots.release(old.accountId, id);
    // Simple captures end by themselves, and a finished or stopped full capture has nothing left to stop;
    // the API keeps capture history and has no delete.
    if (old.type !== "full" || !isStoppable(old)) return;
    await stop(runtime.account(old.accountId), id);
  },
};

function toRequest(inputs: PacketCaptureInputs): CaptureRequest {
  if (inputs.type === "simple") {
    const { system, timeLimit, packetLimit, filter, offsetTime } = inputs;
    return stripUndefined({ type: "simple", system, timeLimit, packetLimit, filter, offsetTime });
  }
  const { system, timeLimit, coloName, destinationConf, byteLimit, packetLimit, filter } = inputs;
  return stripUndefined({
    type: "full",
    system,
    timeLimit,
    coloName,
    destinationConf,
    byteLimit,
    packetLimit,
    filter,
  });
}

function completionTimeoutSeconds(
  inputs: Pick<PacketCaptureInputs, "completionTimeoutSeconds" | "timeLimit">,
): number {
  return inputs.completionTimeoutSeconds ?? inputs.timeLimit + DEFAULT_EXTRA_SECONDS;
}

type Progress = Pick<Capture, "status" | "packetsCaptured" | "stopRequested" | "errorMessage">;

/** What the API reports about a capture's progress; a capture and its state name these alike. */
function progressOf(capture: Progress): Progress {
  return {
    status: capture.status,
    packetsCaptured: capture.packetsCaptured,
    stopRequested: capture.stopRequested,
    errorMessage: capture.errorMessage,
  };
}

/** The state of a capture just created: the declared inputs, the resolved account, what the API says. */
function outputsOf(capture: Capture, accountId: string, inputs: PacketCaptureInputs): PacketCaptureState {
  const { accountId: _given, ...declared } = inputs;
  return { ...declared, accountId, submitted: capture.submitted, ...progressOf(capture) };
}

/** The state with what the API reports now. */
function withReported(state: PacketCaptureState, capture: Capture): PacketCaptureState {
  return { ...state, submitted: capture.submitted ?? state.submitted, ...progressOf(capture) };
}

/** Whole seconds left until a deadline (ms since the epoch); 0 once it has passed. */
function secondsUntil(deadline: number): number {
  return Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
}

async function waitForCompletion(
  account: Account,
  id: string,
  state: PacketCaptureState,
  timeoutSeconds: number = completionTimeoutSeconds(state),
): Promise<PacketCaptureState> {
  const reported: Capture = { id, submitted: state.submitted, ...progressOf(state) };
  const result = await pollUntil<Capture>(reported, {
    what: `${state.type} capture ${id} to complete`,
    poll: () => account.client.getCapture(account.id, id),
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
 * finished answers 400. A status this provider does not know yet is tried (a 400 is tolerated). Stored
 * state that is not stoppable already says there is nothing to stop.
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
 * Stops a full capture. The stop is sent straight away: 204 stops it, and a refusal as invalid (already
 * converting or finished) or not found (gone) leaves nothing to stop, so reading the capture first would
 * only cost a request.
 * When every answer was lost, the capture itself says whether the stop took.
 */
async function stop(account: Account, id: string): Promise<void> {
  const { client, runtime } = account;
  try {
    await client.stopCapture(account.id, id);
    logLine(`stopped full capture ${id}`);
  } catch (err) {
    if (err instanceof PcapInvalidRequestError || err instanceof PcapNotFoundError) return;
    if (!(err instanceof PcapNetworkError)) throw err;
    const after = await client.getCapture(account.id, id);
    if (isStoppable(after)) throw err;
    logLine(`the answer to stopping full capture ${id} was lost; it is stopped (${after.status})`);
  } finally {
    runtime.captureList.forget(account.id);
    runtime.fullCaptureSlots.release(account.id, id);
  }
}

/** Stops the capture and reports its state after the stop (the 204 carries no body). */
async function stopAndRead(
  account: Account,
  id: string,
  state: PacketCaptureState,
): Promise<PacketCaptureState> {
  await stop(account, id);
  return withReported(state, await account.client.getCapture(account.id, id));
}

/**
 * Tells the full-capture slots what state shows of a full capture, so that a second full capture in the
 * same deployment is refused before its request, naming this one's resource.
 */
function noteFullCapture(
  runtime: Runtime,
  id: string,
  state: PacketCaptureState,
  resourceName?: string,
): void {
  if (state.type !== "full") return;
  if (isStoppable(state) && !state.stopped) {
    runtime.fullCaptureSlots.hold(state.accountId, {
      id,
      coloName: state.coloName,
      resourceName: resourceName ?? state.resourceName,
    });
  } else {
    runtime.fullCaptureSlots.release(state.accountId, id);
  }
}

/**
 * A capture as the API reports it now. Reads of a refresh share one list (it holds the newest 50 with
 * their status); a capture not on it is fetched by id.
 */
async function currentCapture(account: Account, id: string): Promise<Capture> {
  const { client, runtime } = account;
  const listed = (await runtime.captureList.get(account.id, () => client.listCaptures(account.id))).find(
    (c) => c.id === id,
  );
  return listed ?? client.getCapture(account.id, id);
}
