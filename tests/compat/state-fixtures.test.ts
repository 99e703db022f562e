/**
 * State written by every earlier state shape keeps working with the current code. Each fixture set
 * (tests/fixtures/state-*, listed in tests/fixtures/README.md) was recorded once, with the code of a release
 * or of the commit that changed the state's shape, from the same program (tests/fixtures/recording), and
 * holds a stack's state and the emulator's data directory from the same moment. For each set, this suite
 * starts the current emulator on a copy of that directory, loads the state into the current engine
 * stand-in, and runs refresh → up → destroy with the current provider, through the `__provider` text the
 * recorded version wrote.
 *
 * What refresh may change: only what the API reports about a resource's progress, per kind (REPORTED
 * below): a capture's `status`, `packetsCaptured`, `stopRequested`, `errorMessage`; an ownership's or a
 * validation's `status` and `validated`. Every other output, every input and every id stays as recorded,
 * and no resource is dropped. `up` with the same program then changes nothing, even where the program
 * now passes inputs the recorded state lacks.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { isSecret, Stack, type Json, type ResourceState, type StackState } from "../engine";
import { PACKAGE_NAME, repoRoot } from "../support/package-link";
import { emulatorConfig, ensurePackageLink, PROGRAM_DIR } from "../support/pcap-stack";
import {
  compatProgram,
  RECORDING_API_KEY,
  RECORDING_TOKEN,
  STACK_NAME,
  type Sdk,
} from "../fixtures/recording/program";

const FIXTURES = join(repoRoot(), "tests/fixtures");

/** What a set's state holds, where state shapes differ. */
interface StateShape {
  /** PacketCapture's `resourceName` (input and output), which the SDK class passes since 6d64863. */
  captureResourceName: boolean;
}

/** Every recorded set, oldest first, with its shape; tests/fixtures/README.md says what each covers. */
const SETS: Record<string, StateShape> = {
  "state-0.1.0": { captureResourceName: false },
  "state-6d64863": { captureResourceName: true },
};

const TYPE_PREFIX = "pulumi-nodejs:dynamic/cloudflare-pcap:";
type Kind = "BucketOwnership" | "BucketOwnershipValidation" | "PacketCapture";

/** Outputs a refresh may change: what the API reports about progress (see the header). */
const REPORTED: Record<Kind, string[]> = {
  PacketCapture: ["status", "packetsCaptured", "stopRequested", "errorMessage"],
  BucketOwnership: ["status", "validated"],
  BucketOwnershipValidation: ["status", "validated"],
};

/** Routes that change something on the API. */
const WRITES = [
  "POST /pcaps",
  "PUT /pcaps/:id/stop",
  "POST /pcaps/ownership",
  "POST /pcaps/ownership/validate",
  "DELETE /pcaps/ownership/:id",
];

/** A finished simple capture: Cloudflare's published sources name both. */
const DONE = ["success", "complete"];

/** Each step starts the plugin and talks to the emulator; generous for a loaded 2-core machine. */
jest.setTimeout(120_000);

let sdk: Sdk;

beforeAll(() => {
  ensurePackageLink();
  // The SDK by package name (its dist/), as the recordings loaded theirs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved at run time from the program directory
  sdk = require(require.resolve(PACKAGE_NAME, { paths: [PROGRAM_DIR] })) as Sdk;
});

function kindOf(resource: ResourceState): Kind {
  return resource.type.slice(TYPE_PREFIX.length) as Kind;
}

function byUrn(state: StackState): Map<string, ResourceState> {
  return new Map(state.resources.map((r) => [r.urn, r]));
}

function without(map: Record<string, Json>, keys: string[]): Record<string, Json> {
  return Object.fromEntries(Object.entries(map).filter(([key]) => !keys.includes(key)));
}

function find(state: StackState, name: string, kind: Kind): ResourceState {
  const found = state.resources.find((r) => r.name === name && r.type === TYPE_PREFIX + kind);
  if (!found) throw new Error(`no ${kind} ${name} in the state`);
  return found;
}

function sortedIds(items: { id?: string }[]): (string | undefined)[] {
  return items.map((item) => item.id).sort();
}

/** Ids of one kind in a state, sorted. */
function idsOf(state: StackState, kind: Kind): (string | undefined)[] {
  return sortedIds(state.resources.filter((r) => kindOf(r) === kind));
}

function providerTexts(state: StackState): Record<string, Json> {
  return Object.fromEntries(state.resources.map((r) => [r.urn, r.outputs.__provider]));
}

/** Each PacketCapture's `resourceName` in inputs and outputs, by resource name. */
function captureResourceNames(state: StackState): Record<string, { inputs?: Json; outputs?: Json }> {
  return Object.fromEntries(
    state.resources
      .filter((r) => kindOf(r) === "PacketCapture")
      .map((r) => [r.name, { inputs: r.inputs.resourceName, outputs: r.outputs.resourceName }]),
  );
}

/** What {@link captureResourceNames} gives when each capture holds its own name (or nothing). */
function ownNames(state: StackState, inInputs: boolean, inOutputs: boolean) {
  return Object.fromEntries(
    Object.keys(captureResourceNames(state)).map((name) => [
      name,
      { inputs: inInputs ? name : undefined, outputs: inOutputs ? name : undefined },
    ]),
  );
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("fixture sets", () => {
  it("are every recorded directory, each listed in tests/fixtures/README.md", () => {
    const recorded = readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, "stack.json")));
    expect(recorded.sort()).toEqual(Object.keys(SETS).sort());
    const readme = readFileSync(join(FIXTURES, "README.md"), "utf8");
    for (const name of recorded) {
      const { commit } = JSON.parse(readFileSync(join(FIXTURES, name, "recorded.json"), "utf8")) as {
        commit: string;
      };
      expect({ name, listed: readme.includes(`[\`${name}\`](${name})`) }).toEqual({ name, listed: true });
      expect({ name, commit: readme.includes(commit.slice(0, 7)) }).toEqual({ name, commit: true });
    }
  });
});

describe.each(Object.entries(SETS))("%s", (setName, shape) => {
  const dir = join(FIXTURES, setName);
  const stackFile = join(dir, "stack.json");
  const emulatorDir = join(dir, "emulator");
  const recorded = JSON.parse(readFileSync(stackFile, "utf8")) as StackState;

  let dataDir: string;
  let emulator: EmulatorHandle;
  let stack: Stack;
  let refreshed: StackState;

  /** The live stack's resource. */
  const resource = (name: string, kind: Kind) => find(stack.state, name, kind);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `pcap-compat-${setName}-`));
    await cp(emulatorDir, dataDir, { recursive: true });
    // No token given and none recorded: the emulator makes a fresh one, and the config hands it over.
    emulator = await startEmulator({ dataDir, persist: true });
    stack = new Stack({ programDir: PROGRAM_DIR, name: STACK_NAME, config: emulatorConfig(emulator) });
  });

  afterAll(async () => {
    await stack?.close();
    await emulator?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  describe("fixtures", () => {
    it("hold every kind in its usual states, and no credential", async () => {
      expect(recorded.resources.map((r) => `${kindOf(r)} ${r.name}`).sort()).toEqual([
        "BucketOwnership captures",
        "BucketOwnership pending",
        "BucketOwnership validated",
        "BucketOwnershipValidation captures",
        "PacketCapture running-full",
        "PacketCapture sample",
        "PacketCapture stopped-full",
      ]);
      const files = [stackFile, join(dir, "recorded.json"), ...(await filesUnder(emulatorDir))];
      for (const file of files) {
        const text = await readFile(file, "latin1");
        expect({ file, token: text.includes(RECORDING_TOKEN) }).toEqual({ file, token: false });
        expect({ file, apiKey: text.includes(RECORDING_API_KEY) }).toEqual({ file, apiKey: false });
      }
      const snapshot = JSON.parse(await readFile(join(emulatorDir, "state.json"), "utf8"));
      expect(Object.keys(snapshot.identity)).toEqual(["accountId"]);
      // No saved real time: on load the emulated clock resumes where the recording left it (record.ts).
      expect(snapshot.savedAtMs).toBeUndefined();
      // The challenges are secret in state, as the resources declare them.
      expect(isSecret(find(recorded, "validated", "BucketOwnership").outputs.ownershipChallenge)).toBe(true);
      expect(
        isSecret(find(recorded, "captures", "BucketOwnershipValidation").outputs.ownershipChallenge),
      ).toBe(true);
    });

    it("have the `__provider` forwarder to the package's dispatch: no paths, no credentials", () => {
      for (const r of recorded.resources) {
        const text = r.outputs.__provider;
        expect(r.inputs.__provider).toBe(text);
        expect(typeof text).toBe("string");
        expect(text).toContain(`kind: "${kindOf(r)}"`);
        expect(text).toContain('require("pulumi-cloudflare-pcap/provider").dispatch(kind, false, a)');
        expect(text).toContain('require("pulumi-cloudflare-pcap/provider").dispatch(kind, true, a)');
        expect(text).not.toMatch(/node_modules|\/(tmp|home|work|root|Users)\//);
      }
    });

    it(`have the shape listed: captures ${shape.captureResourceName ? "hold" : "lack"} resourceName`, () => {
      const has = shape.captureResourceName;
      expect(captureResourceNames(recorded)).toEqual(ownNames(recorded, has, has));
    });
  });

  describe("with the current code", () => {
    it("loads as recorded, into an emulator that loaded the recorded snapshot", () => {
      stack.loadState(stackFile);
      expect(stack.state).toEqual(recorded);
      expect(sortedIds(emulator.ownerships())).toEqual(idsOf(recorded, "BucketOwnership"));
      expect(sortedIds(emulator.captures())).toEqual(idsOf(recorded, "PacketCapture"));
      expect(resource("pending", "BucketOwnership").outputs.accountId).toBe(emulator.accountId);
    });

    it("refresh keeps every resource; only reported progress changes", async () => {
      const before = byUrn(stack.state);
      const result = await stack.refresh();
      expect(result.steps.map((s) => `${s.name} ${s.op}`)).toEqual(
        recorded.resources.map((r) => `${r.name} same`),
      );
      const after = byUrn(stack.state);
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [urn, old] of before) {
        const now = after.get(urn)!;
        expect({ urn, id: now.id }).toEqual({ urn, id: old.id });
        expect({ urn, inputs: now.inputs }).toEqual({ urn, inputs: old.inputs });
        const allowed = REPORTED[kindOf(old)];
        expect({ urn, outputs: without(now.outputs, allowed) }).toEqual({
          urn,
          outputs: without(old.outputs, allowed),
        });
      }
      // The statuses moved on as the API reports them.
      const status = (name: string, kind: Kind) => resource(name, kind).outputs.status;
      expect(status("pending", "BucketOwnership")).toBe("pending");
      expect(status("validated", "BucketOwnership")).toBe("success");
      expect(status("captures", "BucketOwnership")).toBe("success"); // recorded "pending": validated since
      expect(typeof resource("captures", "BucketOwnership").outputs.validated).toBe("string");
      expect(status("captures", "BucketOwnershipValidation")).toBe("success");
      expect(DONE).toContain(status("sample", "PacketCapture"));
      expect(status("stopped-full", "PacketCapture")).toBe("success"); // recorded "conversion_pending"
      // Recorded "pending" with a day's time limit; the snapshot has no savedAtMs, so the emulated clock
      // resumes where the recording left it and the capture is still collecting.
      expect(status("running-full", "PacketCapture")).toBe("running");
      expect(providerTexts(stack.state)).toEqual(providerTexts(recorded));
      refreshed = stack.state;
    });

    it("up with the same program changes nothing and writes nothing", async () => {
      emulator.resetCounts();
      const result = await stack.up(compatProgram(sdk, (dest) => emulator.readChallenge(dest)));
      // The program passes each capture's resourceName; where the recorded state lacks it, the
      // provider's diff must still see no change (the name never replaces or updates a capture).
      expect(result.summary).toEqual({ same: recorded.resources.length });
      expect(result.outputs).toEqual({
        runningCaptureId: resource("running-full", "PacketCapture").id,
        sampleStatus: resource("sample", "PacketCapture").outputs.status,
        validatedStatus: "success",
      });
      const counts = emulator.requestCounts();
      expect(WRITES.map((route) => [route, counts[route] ?? 0])).toEqual(WRITES.map((route) => [route, 0]));
      // Unchanged resources keep their outputs (so destroy's Delete still loads the recorded
      // `__provider`); their inputs become the program's, resourceName included.
      expect(stack.state.resources.map((r) => [r.urn, r.outputs])).toEqual(
        refreshed.resources.map((r) => [r.urn, r.outputs]),
      );
      expect(captureResourceNames(stack.state)).toEqual(
        ownNames(stack.state, true, shape.captureResourceName),
      );
    });

    it("destroy stops the running full capture, deletes the registrations, and leaves nothing", async () => {
      const runningId = resource("running-full", "PacketCapture").id;
      emulator.resetCounts();
      const result = await stack.destroy();
      expect(result.summary).toEqual({ delete: recorded.resources.length });
      expect(stack.state.resources).toEqual([]);
      const counts = emulator.requestCounts();
      expect(counts["PUT /pcaps/:id/stop"]).toBe(1); // the stopped capture needs no call
      expect(counts["DELETE /pcaps/ownership/:id"]).toBe(3);
      await emulator.advance(0);
      expect(emulator.ownerships()).toEqual([]);
      const captures = emulator.captures();
      expect(captures.filter((c) => c.status === "pending" || c.status === "running")).toEqual([]);
      expect(captures.find((c) => c.id === runningId)?.stop_requested).toEqual(expect.any(String));
    });
  });
});
