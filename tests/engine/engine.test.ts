import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DeploymentError, isSecret, Stack, UNKNOWN, type RunResult, type StackOptions } from "./index";
import { LedgerEntry, type Ledger, type LedgerEvent } from "./fixtures/ledger/provider";

const FIXTURE = path.join(__dirname, "fixtures", "ledger");
const stacks: Stack[] = [];
const dirs: string[] = [];

/** A stack over the fixture program, with its own ledger file (the provider's "cloud"). */
function ledgerStack(opts: Partial<StackOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-standin-"));
  dirs.push(dir);
  const ledgerFile = path.join(dir, "ledger.json");
  const stack = new Stack({ programDir: FIXTURE, ...opts, env: { LEDGER_FILE: ledgerFile, ...opts.env } });
  stacks.push(stack);
  const ledger = (): Ledger => JSON.parse(fs.readFileSync(ledgerFile, "utf8")) as Ledger;
  /** Writes calls (configure, check and read excluded), as "op label". */
  const writes = (): string[] =>
    ledger()
      .events.filter((e: LedgerEvent) => ["create", "update", "delete", "create-refused"].includes(e.op))
      .map((e) => `${e.op} ${e.label}`);
  const editLedger = (f: (l: Ledger) => void) => {
    const l = ledger();
    f(l);
    fs.writeFileSync(ledgerFile, JSON.stringify(l));
  };
  return { stack, ledger, writes, editLedger, dir };
}

const ops = (r: RunResult) => Object.fromEntries(r.steps.map((s) => [s.name, s.op]));

async function failure(p: Promise<unknown>): Promise<DeploymentError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof DeploymentError)) throw new Error(`expected a DeploymentError, got ${String(e)}`);
  return e;
}

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("up: create, same, update, replace, delete, destroy", () => {
  const { stack, ledger, writes } = ledgerStack();

  test("creates in order, and outputs flow into dependent resources", async () => {
    const r = await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A" });
      const b = new LedgerEntry("b", { label: "B", ref: a.id });
      const c = new LedgerEntry("c", { label: "C", ref: b.status });
      return { aId: a.id, cRef: c.id.apply(() => b.status) };
    });
    expect(r.summary).toEqual({ create: 3 });
    expect(writes()).toEqual(["create A", "create B", "create C"]);
    expect(r.outputs).toEqual({ aId: "obj-1", cRef: "ready" });
    expect(stack.outputs("b")).toMatchObject({ ref: "obj-1", status: "ready", kind: "plain", size: 1 });
    expect(stack.resource("b")?.dependencies).toEqual([stack.resource("a")?.urn]);
    expect(typeof stack.resource("a")?.outputs.__provider).toBe("string");
    expect(ledger().events[0]).toMatchObject({ op: "configure" });
  });

  test("up again shows no changes", async () => {
    const r = await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A" });
      const b = new LedgerEntry("b", { label: "B", ref: a.id });
      new LedgerEntry("c", { label: "C", ref: b.status });
    });
    expect(r.changed).toBe(false);
    expect(r.summary).toEqual({ same: 3 });
    expect(writes()).toHaveLength(3);
  });

  test("a changed input updates in place", async () => {
    const r = await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A", size: 2 });
      const b = new LedgerEntry("b", { label: "B", ref: a.id });
      new LedgerEntry("c", { label: "C", ref: b.status });
    });
    expect(ops(r)).toEqual({ a: "update", b: "same", c: "same" });
    expect(r.steps[0]).toMatchObject({ op: "update", diffs: ["size"], id: "obj-1" });
    expect(ledger().objects["obj-1"]?.size).toBe(2);
  });

  test("a replace-triggering input replaces create-before-delete; dependents update before the delete", async () => {
    const r = await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A", size: 2, kind: "fancy" });
      const b = new LedgerEntry("b", { label: "B", ref: a.id });
      new LedgerEntry("c", { label: "C", ref: b.status });
    });
    expect(ops(r)).toEqual({ a: "replace", b: "update", c: "same" });
    expect(r.steps[0]).toMatchObject({ replaces: ["kind"], deleteBeforeReplace: false, id: "obj-4" });
    expect(writes().slice(3)).toEqual(["update A", "create A", "update B", "delete A"]);
    expect(Object.keys(ledger().objects).sort()).toEqual(["obj-2", "obj-3", "obj-4"]);
    expect(stack.state.resources.map((x) => x.id)).toEqual(["obj-4", "obj-2", "obj-3"]);
  });

  test("deleteBeforeReplace, from the resource option or from the diff, deletes first", async () => {
    await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A", size: 2, kind: "k3" }, { deleteBeforeReplace: true });
      const b = new LedgerEntry("b", { label: "B", ref: a.id });
      new LedgerEntry("c", { label: "C", ref: b.status });
    });
    expect(writes().slice(7)).toEqual(["delete A", "create A", "update B"]);
    const r = await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A", size: 2, kind: "k4", dbr: true });
      const b = new LedgerEntry("b", { label: "B", ref: a.id });
      new LedgerEntry("c", { label: "C", ref: b.status });
    });
    expect(r.steps[0]).toMatchObject({ op: "replace", deleteBeforeReplace: true });
    expect(writes().slice(10)).toEqual(["delete A", "create A", "update B"]);
  });

  test("a resource that left the program is deleted", async () => {
    const r = await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A", size: 2, kind: "k4", dbr: true });
      new LedgerEntry("b", { label: "B", ref: a.id });
    });
    expect(ops(r)).toEqual({ a: "same", b: "same", c: "delete" });
    expect(writes().at(-1)).toBe("delete C");
    expect(stack.state.resources.map((x) => x.name)).toEqual(["a", "b"]);
  });

  test("destroy deletes in reverse order and empties the state", async () => {
    const r = await stack.destroy();
    expect(r.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["delete b", "delete a"]);
    expect(writes().slice(-2)).toEqual(["delete B", "delete A"]);
    expect(ledger().objects).toEqual({});
    expect(stack.state.resources).toEqual([]);
  });
});

test("preview runs Check and Diff only: no writes, unknown outputs, state untouched", async () => {
  const { stack, ledger, writes } = ledgerStack();
  await stack.up(async () => {
    const a = new LedgerEntry("a", { label: "A" });
    new LedgerEntry("b", { label: "B", ref: a.id });
  });
  const before = JSON.stringify(stack.state);
  const seen: string[] = [];
  const r = await stack.preview(async () => {
    const a = new LedgerEntry("a", { label: "A", kind: "fancy" });
    const c = new LedgerEntry("c", { label: "C", ref: a.id });
    c.status.apply((s) => seen.push(s));
    return { cStatus: c.status, aLabel: a.label };
  });
  expect(ops(r)).toEqual({ a: "replace", c: "create", b: "delete" });
  expect(writes()).toEqual(["create A", "create B"]);
  expect(JSON.stringify(stack.state)).toBe(before);
  expect(ledger().checks.at(-1)).toEqual({ label: "C", ref: UNKNOWN }); // what the plugin received
  expect(seen).toEqual([]); // computed outputs are unknown in a preview
  expect(r.outputs).toEqual({ cStatus: UNKNOWN, aLabel: "A" });
});

test("refresh reports drift, and a blank id drops the resource", async () => {
  const { stack, editLedger, writes } = ledgerStack();
  await stack.up(async () => {
    new LedgerEntry("a", { label: "A" });
    new LedgerEntry("b", { label: "B" });
  });
  editLedger((l) => {
    l.objects["obj-1"]!.size = 7;
    delete l.objects["obj-2"];
  });
  const r = await stack.refresh();
  expect(ops(r)).toEqual({ a: "refresh", b: "delete" });
  expect(r.steps[0]?.diffs).toEqual(["size"]);
  expect(stack.outputs("a").size).toBe(7);
  expect(stack.state.resources.map((x) => x.name)).toEqual(["a"]);
  expect(writes()).toEqual(["create A", "create B"]); // refresh never writes

  const again = await stack.refresh();
  expect(again.changed).toBe(false);
});

describe("steps run concurrently, as in the engine", () => {
  test("independent resources are created together; steps and state keep registration order", async () => {
    const { stack, writes } = ledgerStack();
    // Each create waits until the other one has started: run one at a time, the first would fail.
    const r = await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A", createWaitsFor: "B" });
      new LedgerEntry("b", { label: "B", createWaitsFor: "A" });
      new LedgerEntry("c", { label: "C", ref: a.id }); // registered once A's create has answered
    });
    // A and B may arrive in either order (the SDK registers each once its inputs resolve); C comes last.
    const steps = r.steps.map((s) => `${s.op} ${s.name}`);
    expect([...steps.slice(0, 2).sort(), steps[2]]).toEqual(["create a", "create b", "create c"]);
    expect([...writes().slice(0, 2).sort(), writes()[2]]).toEqual(["create A", "create B", "create C"]);
    // The state keeps the steps' order, whichever create answered first.
    expect(stack.state.resources.map((x) => x.name)).toEqual(r.steps.map((s) => s.name));
  });

  test("parallel: 1 runs one step at a time: of two creates that wait for each other, one fails", async () => {
    const { stack, writes } = ledgerStack({ parallel: 1 });
    const e = await failure(
      stack.up(async () => {
        new LedgerEntry("a", { label: "A", createWaitsFor: "B" });
        new LedgerEntry("b", { label: "B", createWaitsFor: "A" });
      }),
    );
    // Whichever arrived first waited for the other in vain; the other was decided (checked) but never
    // started, so it is not reported.
    expect(e.message).toMatch(/(B never reached create-start while A|A never reached create-start while B)/);
    expect(e.result.steps).toHaveLength(1);
    expect(e.result.steps[0]).toMatchObject({
      op: "create",
      error: expect.stringContaining("never reached"),
    });
    expect(writes()).toEqual([]);
    expect(stack.state.resources).toEqual([]);
  });

  test("a step already running when another fails completes, and its resource is kept", async () => {
    const { stack, writes } = ledgerStack();
    const e = await failure(
      stack.up(async () => {
        new LedgerEntry("a", { label: "A", fail: "create", createWaitsFor: "B" });
        new LedgerEntry("b", { label: "B", createWaitsFor: "A" });
      }),
    );
    expect(e.message).toContain("ledger refused to create A");
    expect(Object.fromEntries(e.result.steps.map((s) => [s.name, [s.op, s.error]]))).toEqual({
      a: ["create", "ledger refused to create A"],
      b: ["create", undefined],
    });
    expect(writes().sort()).toEqual(["create B", "create-refused A"]);
    expect(stack.state.resources.map((x) => x.name)).toEqual(["b"]);
  });

  test("destroy deletes dependents first, and independent resources together", async () => {
    const { stack, writes } = ledgerStack();
    await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A" });
      new LedgerEntry("b", { label: "B", ref: a.id, deleteWaitsFor: "C" });
      new LedgerEntry("c", { label: "C", deleteWaitsFor: "B" });
    });
    const r = await stack.destroy();
    const steps = r.steps.map((s) => `${s.op} ${s.name}`);
    expect([...steps.slice(0, 2).sort(), steps[2]]).toEqual(["delete b", "delete c", "delete a"]);
    expect(writes().slice(3, 5).sort()).toEqual(["delete B", "delete C"]);
    expect(writes()[5]).toBe("delete A"); // only once B, which depends on it, is gone
    expect(stack.state.resources).toEqual([]);
  });
});

describe("failures", () => {
  test("a failing create stops the run with the provider's message", async () => {
    const { stack, writes } = ledgerStack();
    const e = await failure(
      stack.up(async () => {
        // A finishes after B has failed, so D, which needs A's id, registers after the failure.
        const a = new LedgerEntry("a", { label: "A", createWaitsFor: "B" });
        const b = new LedgerEntry("b", { label: "B", fail: "create" });
        new LedgerEntry("c", { label: "C", ref: b.id });
        new LedgerEntry("d", { label: "D", ref: a.id });
      }),
    );
    expect(e.message).toMatch(/create of .*::b failed: ledger refused to create B/);
    expect(e.result.steps.map((s) => [s.name, s.op, s.error])).toEqual([
      ["a", "create", undefined],
      ["b", "create", "ledger refused to create B"],
    ]);
    expect(writes()).toEqual(["create-refused B", "create A"]);
    expect(stack.state.resources.map((x) => x.name)).toEqual(["a"]);

    const r = await stack.up(async () => {
      const a = new LedgerEntry("a", { label: "A", createWaitsFor: "B" });
      new LedgerEntry("b", { label: "B" });
      new LedgerEntry("d", { label: "D", ref: a.id });
    });
    expect(ops(r)).toEqual({ a: "same", b: "create", d: "create" });
  });

  test("a failing update keeps the old state; check failures are reported", async () => {
    const { stack } = ledgerStack();
    await stack.up(async () => void new LedgerEntry("a", { label: "A" }));
    const before = stack.resource("a");
    const e = await failure(
      stack.up(async () => void new LedgerEntry("a", { label: "A", size: 5, fail: "update" })),
    );
    expect(e.message).toContain("ledger refused to update A");
    expect(stack.resource("a")).toEqual(before);

    const c = await failure(stack.up(async () => void new LedgerEntry("a", { label: "" })));
    expect(c.message).toContain("check failed: label: label is required");
  });

  test("a partial failure (error with id and properties) keeps the resource; the next up updates it", async () => {
    const { stack, ledger, writes } = ledgerStack();
    const program = async () => void new LedgerEntry("a", { label: "A", partial: true });
    const e = await failure(stack.up(program));
    // The engine shows the error's `reasons` (the message itself is dropped).
    expect(e.message).toMatch(/create of .*::a failed: status is pending$/);
    expect(stack.resource("a")).toMatchObject({ id: "obj-1", initErrors: ["status is pending"] });
    expect(stack.outputs("a")).toMatchObject({ status: "pending", token: "token-for-obj-1" });

    const r = await stack.up(program); // no input changed: the init errors alone cause an update
    expect(r.steps[0]).toMatchObject({ op: "update", id: "obj-1" });
    expect(writes()).toEqual(["create A", "update A"]);
    expect(ledger().objects["obj-1"]?.status).toBe("ready");
    expect(stack.resource("a")?.initErrors).toBeUndefined();
    expect((await stack.up(program)).changed).toBe(false);
  });
});

test("configure receives the stack config; secrets stay secret in state", async () => {
  const { stack, ledger, dir } = ledgerStack({
    config: { "ledger:region": "eu-west", apiKey: { secret: "k3y-123" } },
  });
  const r = await stack.up(async () => {
    const e = new LedgerEntry(
      "e",
      { label: "E", note: pulumi.secret("s3cr3t-note") },
      { additionalSecretOutputs: ["token"] },
    );
    const cfg = new pulumi.Config("ledger");
    return {
      token: e.token,
      region: cfg.require("region"),
      apiKey: new pulumi.Config().requireSecret("apiKey"),
    };
  });
  // Configure got every key, namespaced, in plaintext (the dynamic provider unwraps secrets).
  expect(ledger().events[0]).toEqual({ op: "configure", region: "eu-west", apiKey: "k3y-123" });
  // The plugin received the plaintext note; the state keeps it (and the token) secret.
  expect(ledger().objects["obj-1"]?.note).toBe("s3cr3t-note");
  const e = stack.resource("e")!;
  expect(isSecret(e.inputs.note)).toBe(true);
  expect(isSecret(e.outputs.note)).toBe(true);
  expect(isSecret(e.outputs.token)).toBe(true);
  expect(isSecret(e.outputs.label)).toBe(false);
  expect(isSecret(stack.state.outputs.token)).toBe(true);
  expect(isSecret(stack.state.outputs.apiKey)).toBe(true);
  const text = JSON.stringify(stack.state);
  for (const plain of ["s3cr3t-note", "token-for-obj-1", "k3y-123"]) expect(text).not.toContain(plain);
  expect(stack.outputs("e")).toMatchObject({ note: "s3cr3t-note", token: "token-for-obj-1" });
  expect(r.outputs).toEqual({ token: "token-for-obj-1", region: "eu-west", apiKey: "k3y-123" });

  // The state survives a save/load round trip, and a new Stack over it sees no changes.
  const file = path.join(dir, "state.json");
  stack.saveState(file);
  const reloaded = new Stack({
    programDir: FIXTURE,
    stateFile: file,
    env: { LEDGER_FILE: path.join(dir, "ledger.json") },
  });
  stacks.push(reloaded);
  expect(reloaded.state).toEqual(stack.state);
  const again = await reloaded.up(async () => {
    new LedgerEntry(
      "e",
      { label: "E", note: pulumi.secret("s3cr3t-note") },
      { additionalSecretOutputs: ["token"] },
    );
  });
  expect(again.summary).toEqual({ same: 1 });
});

it("a program that throws fails the operation with its message, and leaves no stray rejection", async () => {
  const { stack } = ledgerStack();
  const err = await failure(
    stack.up(async () => {
      throw new Error("the program's own bug");
    }),
  );
  expect(err.message).toContain("the program's own bug");
});
