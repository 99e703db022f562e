/**
 * The engine's step logic for one deployment (up, preview, refresh or destroy) over a previous state.
 * Mirrors pkg/resource/deploy/step_generator.go and plugin/provider_plugin.go where it matters to dynamic
 * providers: Check → Create; Check → Diff → Update / Replace / Same, steps of independent resources
 * concurrently; deletes last, dependents first.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { ROOT_STACK_TYPE, type MonitorTarget, type Registered } from "./monitor";
import { ProviderError, type DynamicProviderPlugin } from "./plugin";
import { inReverseDependencyOrder, Limiter } from "./scheduling";
import { Struct } from "./sdk-modules";
import type { Registration, ResourceState, StepResult } from "./types";
import {
  annotateSecrets,
  changedKeys,
  mapFromState,
  mapToState,
  markSecret,
  revealMap,
  type PropertyMap,
} from "./wire";

/** Simulates resources that are not dynamic ones and invokes, in the shape of `pulumi.runtime.Mocks`. */
export interface Mocks {
  newResource?(
    args: pulumi.runtime.MockResourceArgs,
  ): pulumi.runtime.MockResourceResult | Promise<pulumi.runtime.MockResourceResult>;
  call?(
    args: pulumi.runtime.MockCallArgs,
  ): pulumi.runtime.MockCallResult | Promise<pulumi.runtime.MockCallResult>;
}

export interface EngineContext {
  preview: boolean;
  /** The configured plugin, started on first use. */
  plugin: () => Promise<DynamicProviderPlugin>;
  mocks?: Mocks;
  /** At most this many provider operations at once (`pulumi up --parallel`); default unbounded. */
  parallel?: number;
}

export function isDynamicType(type: string): boolean {
  return type.startsWith("pulumi-nodejs:dynamic:") || type.startsWith("pulumi-nodejs:dynamic/");
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The answer to a registration that came after a failed step, or whose step failed. */
const SKIPPED: Registered = { id: "", outputs: {}, result: "skip" };
const FAILED: Registered = { id: "", outputs: {}, result: "fail" };

/** A step decided by the step generator whose provider work waits for the step executor. */
interface Pending {
  step: StepResult;
  run: () => Promise<Registered>;
}

function isPending(g: Registered | Pending): g is Pending {
  return "run" in g;
}

export class Deployment implements MonitorTarget {
  /** Steps of registrations in the order they arrived, then deletes in reverse state order. */
  readonly steps: StepResult[] = [];
  stackOutputs: PropertyMap = {};
  /** Set by the first failed step; later steps do not start and deletes are skipped. */
  failure?: string;

  private readonly olds: Map<string, ResourceState>;
  private readonly seen = new Set<string>();
  /** New state records by URN, in registration order (a slot is taken when the registration arrives). */
  private readonly records = new Map<string, ResourceState | undefined>();
  /** Old records replaced by a new record for the same URN. */
  private readonly superseded = new Set<ResourceState>();
  /** Old records replaced create-before-delete: deleted at the end. */
  private readonly replaced = new Set<ResourceState>();
  private readonly deleted = new Set<ResourceState>();
  /** Refresh results, in place of their old records. */
  private readonly refreshed = new Map<ResourceState, ResourceState>();
  /** The step generator: one registration at a time (Check, Diff and the decision), in arrival order. */
  private generator: Promise<unknown> = Promise.resolve();
  /** The step executor: provider writes and reads, up to `parallel` at once. */
  private readonly executor: Limiter;

  constructor(
    private readonly prev: readonly ResourceState[],
    private readonly ctx: EngineContext,
  ) {
    this.olds = new Map(prev.filter((r) => !r.pendingDelete).map((r) => [r.urn, r]));
    this.executor = new Limiter(ctx.parallel);
  }

  /** New state records, in registration order (dependencies come first: the SDK registers a resource
   * only once what it depends on is registered). */
  get resources(): ResourceState[] {
    return [...this.records.values()].filter((r): r is ResourceState => r !== undefined);
  }

  /** The state after this deployment: new records, then every old record still alive. */
  finalResources(): ResourceState[] {
    if (this.refreshed.size) {
      return this.prev.filter((r) => !this.deleted.has(r)).map((r) => this.refreshed.get(r) ?? r);
    }
    const kept = this.prev
      .filter((r) => !this.superseded.has(r) && !this.deleted.has(r))
      .map((r) => (this.replaced.has(r) ? { ...r, pendingDelete: true } : r));
    return [...this.resources, ...kept];
  }

  fail(msg: string): void {
    this.failure ??= msg;
  }

  // ---- registrations from the program ----
  // As in the engine, the step generator takes registrations one at a time, in the order they arrive,
  // and calls Check and Diff; the provider operations it decides on (create, update, replace, read) run
  // concurrently, and each registration is answered when its own step completes. Dependencies need no
  // ordering here: the SDK sends a registration only once its inputs and dependsOn have resolved.

  register(reg: Registration): Promise<Registered> {
    const generated = this.generator.then(() => this.generate(reg));
    this.generator = generated;
    return generated.then((g) => (isPending(g) ? this.execute(reg, g) : g));
  }

  registerOutputs(urn: string, outputs: PropertyMap): void {
    if (urn.split("::")[2] === ROOT_STACK_TYPE) {
      this.stackOutputs = outputs;
      return;
    }
    const record = this.records.get(urn);
    if (record && !record.custom) record.outputs = mapToState(outputs);
  }

  async invoke(token: string, args: structproto.Struct, provider: string): Promise<structproto.Struct> {
    if (!this.ctx.mocks?.call) {
      throw new Error(
        `invoke ${token} is not supported by the engine stand-in (pass StackOptions.mocks.call)`,
      );
    }
    const inputs: unknown = pulumi.runtime.deserializeProperties(args);
    const result = await this.ctx.mocks.call({ token, inputs, provider });
    return Struct.fromJavaScript(await pulumi.runtime.serializeProperties(token, result));
  }

  /** The step generator's part: never rejects. */
  private async generate(reg: Registration): Promise<Registered | Pending> {
    if (this.failure) return SKIPPED;
    try {
      return await this.step(reg);
    } catch (e) {
      this.fail(`${reg.urn}: ${message(e)}`); // steps set a more precise message first
      return FAILED;
    }
  }

  /** The step executor's part: a step decided before a failure elsewhere does not start. Never rejects. */
  private execute(reg: Registration, pending: Pending): Promise<Registered> {
    return this.executor.run(async () => {
      if (this.failure) {
        this.steps.splice(this.steps.indexOf(pending.step), 1);
        return SKIPPED;
      }
      try {
        return await pending.run();
      } catch (e) {
        pending.step.error ??= message(e);
        this.fail(`${reg.urn}: ${message(e)}`);
        return FAILED;
      }
    });
  }

  private async step(reg: Registration): Promise<Registered | Pending> {
    if (this.seen.has(reg.urn)) throw new Error(`Duplicate resource URN '${reg.urn}'`);
    this.seen.add(reg.urn);
    if (reg.type === ROOT_STACK_TYPE && !reg.parent) return { id: "", outputs: {} };
    this.records.set(reg.urn, undefined);
    const old = this.olds.get(reg.urn);
    const step: StepResult = {
      urn: reg.urn,
      name: reg.name,
      type: reg.type,
      op: reg.readId !== undefined ? "read" : old ? "same" : "create",
    };
    this.steps.push(step);
    if (!reg.custom) return this.unmanaged(reg, old, step, "", {}, false);
    if (!isDynamicType(reg.type)) return { step, run: () => this.mocked(reg, old, step) };
    if (reg.readId !== undefined) return { step, run: () => this.readExternal(reg, old, step) };
    if (reg.importId !== undefined) throw new Error("the engine stand-in does not import dynamic resources");
    return this.dynamic(reg, old, step);
  }

  /** Components and mocked resources: no provider, so the diff is input equality. */
  private unmanaged(
    reg: Registration,
    old: ResourceState | undefined,
    step: StepResult,
    id: string,
    outputs: PropertyMap,
    mocked: boolean,
  ): Registered {
    const diffs = old ? changedKeys(mapFromState(old.inputs), reg.inputs) : [];
    Object.assign(step, {
      op: !old ? "create" : diffs.length ? "update" : "same",
      ...(id ? { id } : {}),
      ...(diffs.length ? { diffs } : {}),
    });
    this.record(reg, old, { id: id || undefined, inputs: reg.inputs, outputs, mocked: mocked || undefined });
    return { id, outputs };
  }

  private async mocked(
    reg: Registration,
    old: ResourceState | undefined,
    step: StepResult,
  ): Promise<Registered> {
    const mock = this.ctx.mocks?.newResource;
    if (!mock) {
      throw new Error(
        `${reg.type} is not a dynamic resource: pass StackOptions.mocks.newResource to simulate it`,
      );
    }
    const inputs: unknown = pulumi.runtime.deserializeProperties(Struct.fromJavaScript(reg.inputs));
    const result = await mock({
      type: reg.type,
      name: reg.name,
      inputs,
      provider: reg.provider,
      custom: true,
      id: reg.readId ?? reg.importId,
    });
    const outputs = (await pulumi.runtime.serializeProperties(reg.name, result.state)) as PropertyMap;
    return this.unmanaged(reg, old, step, result.id ?? "", outputs, true);
  }

  /** ReadResource (`opts.id`): Read through the provider, record as external. */
  private async readExternal(
    reg: Registration,
    old: ResourceState | undefined,
    step: StepResult,
  ): Promise<Registered> {
    step.id = reg.readId;
    try {
      const plugin = await this.ctx.plugin();
      const res = await plugin.read(reg.urn, reg.readId ?? "", revealMap(reg.inputs), {});
      if (!res.id) throw new Error(`resource '${reg.readId}' does not exist`);
      const outputs = markSecret(annotateSecrets(res.properties, reg.inputs), reg.additionalSecretOutputs);
      this.record(reg, old, { id: res.id, inputs: reg.inputs, outputs, external: true });
      return { id: res.id, outputs };
    } catch (e) {
      step.error = message(e);
      this.fail(`read of ${reg.urn} failed: ${step.error}`);
      throw e;
    }
  }

  /** Check, then Diff against the old state: decides the step; the provider writes are left pending. */
  private async dynamic(
    reg: Registration,
    old: ResourceState | undefined,
    step: StepResult,
  ): Promise<Registered | Pending> {
    let inputs: PropertyMap = reg.inputs;
    const failed = (e: unknown) => this.stepFailed(reg, old, step, inputs, e);
    const pending = (run: () => Promise<Registered>): Pending => ({ step, run: () => run().catch(failed) });
    try {
      const plugin = await this.ctx.plugin();
      const news = old ? ignoreChanges(reg.inputs, mapFromState(old.inputs), reg.ignoreChanges) : reg.inputs;
      inputs = await this.check(plugin, reg.urn, old ? mapFromState(old.inputs) : {}, news);

      if (!old) {
        return pending(async () => {
          const { id, outputs } = await this.create(plugin, reg, inputs, step);
          this.record(reg, undefined, { id: id || undefined, inputs, outputs });
          return { id, outputs };
        });
      }

      const oldInputs = mapFromState(old.inputs);
      const oldOutputs = mapFromState(old.outputs);
      const id = old.id ?? "";
      step.id = id;
      const diff = await plugin.diff(
        reg.urn,
        id,
        revealMap(oldInputs),
        revealMap(oldOutputs),
        revealMap(inputs),
      );
      const inputDiffs = changedKeys(oldInputs, inputs);
      const diffs = diff.diffs.length ? diff.diffs : inputDiffs;
      // DIFF_UNKNOWN (no `diff` method): the engine falls back to comparing inputs.
      const changes = diff.changes === "unknown" ? (inputDiffs.length ? "some" : "none") : diff.changes;
      const replaceOnChanges = reg.replaceOnChanges.includes("*")
        ? diffs
        : diffs.filter((k) => reg.replaceOnChanges.includes(k));
      const replaces = [...new Set([...diff.replaces, ...replaceOnChanges])];

      if (changes === "some" && replaces.length) {
        if (old.protect && reg.protect) {
          throw new Error(`unable to replace resource ${reg.urn} as it is currently marked for protection`);
        }
        const deleteBeforeReplace = reg.deleteBeforeReplace ?? diff.deleteBeforeReplace;
        Object.assign(step, { op: "replace", diffs, replaces, deleteBeforeReplace });
        // The replacement is a new resource: the engine checks again without old inputs.
        inputs = await this.check(plugin, reg.urn, {}, news);
        // One chain for the resource itself: delete-before-replace deletes, then creates.
        return pending(async () => {
          if (deleteBeforeReplace) {
            if (!this.ctx.preview) await this.deleteFromProvider(old);
            this.deleted.add(old);
          } else {
            this.replaced.add(old); // deleted after every create and update, like the engine
          }
          const created = await this.create(plugin, reg, inputs, step);
          this.record(reg, undefined, { id: created.id || undefined, inputs, outputs: created.outputs });
          return created;
        });
      }

      const record = (outputs: PropertyMap): Registered => {
        const marked = markSecret(outputs, reg.additionalSecretOutputs);
        this.record(reg, old, { id, inputs, outputs: marked });
        return { id, outputs: marked };
      };
      if (changes === "some" || old.initErrors?.length) {
        Object.assign(step, { op: "update", ...(diffs.length ? { diffs } : {}) });
        return pending(async () =>
          record(this.ctx.preview ? inputs : await this.update(plugin, reg, old, inputs)),
        );
      }
      return record(oldOutputs);
    } catch (e) {
      return failed(e);
    }
  }

  /** Records a failed step of a dynamic resource (keeping a partially created one) and rethrows. */
  private stepFailed(
    reg: Registration,
    old: ResourceState | undefined,
    step: StepResult,
    inputs: PropertyMap,
    e: unknown,
  ): never {
    step.error = message(e);
    const partial = e instanceof ProviderError ? e.initFailure : undefined;
    if (partial && !this.ctx.preview) {
      // The object exists but did not initialise (StatusPartialFailure): keep it with these outputs. The
      // engine reports the reasons, not the message, and only non-empty reasons force the next update.
      step.error = partial.reasons.join("; ") || "resource init failed";
      const outputs = markSecret(annotateSecrets(partial.properties, inputs), reg.additionalSecretOutputs);
      const initErrors = partial.reasons.length ? partial.reasons : undefined;
      // After a replacement's partial create the old resource stays pending delete, as in the engine.
      this.record(reg, step.op === "update" ? old : undefined, {
        id: partial.id,
        inputs,
        outputs,
        initErrors,
      });
    } else if (step.op === "replace" && old) {
      this.replaced.delete(old); // the replacement does not exist: the old resource stays as it was
    }
    this.fail(`${step.op} of ${reg.urn} failed: ${step.error}`);
    throw e;
  }

  private async check(
    plugin: DynamicProviderPlugin,
    urn: string,
    olds: PropertyMap,
    news: PropertyMap,
  ): Promise<PropertyMap> {
    const res = await plugin.check(urn, revealMap(olds), revealMap(news));
    if (res.failures.length) {
      throw new Error(`check failed: ${res.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    }
    return annotateSecrets(res.inputs, news);
  }

  /** Create; in a preview the engine does not call the provider (no preview support) and returns the inputs. */
  private async create(
    plugin: DynamicProviderPlugin,
    reg: Registration,
    inputs: PropertyMap,
    step: StepResult,
  ): Promise<Registered> {
    if (this.ctx.preview) return { id: "", outputs: markSecret(inputs, reg.additionalSecretOutputs) };
    const res = await plugin.create(reg.urn, revealMap(inputs));
    if (!res.id) throw new Error(`plugin returned an empty resource ID from create '${reg.urn}'`);
    step.id = res.id;
    return {
      id: res.id,
      outputs: markSecret(annotateSecrets(res.properties, inputs), reg.additionalSecretOutputs),
    };
  }

  private async update(
    plugin: DynamicProviderPlugin,
    reg: Registration,
    old: ResourceState,
    inputs: PropertyMap,
  ): Promise<PropertyMap> {
    const props = await plugin.update(
      reg.urn,
      old.id ?? "",
      revealMap(mapFromState(old.inputs)),
      revealMap(mapFromState(old.outputs)),
      revealMap(inputs),
    );
    return annotateSecrets(props, inputs);
  }

  private async deleteFromProvider(r: ResourceState): Promise<void> {
    if (r.protect)
      throw new Error(`unable to delete resource ${r.urn} as it is currently marked for protection`);
    if (!r.custom || r.mocked || r.external || r.retainOnDelete || !isDynamicType(r.type)) return;
    const plugin = await this.ctx.plugin();
    await plugin.delete(
      r.urn,
      r.id ?? "",
      revealMap(mapFromState(r.inputs)),
      revealMap(mapFromState(r.outputs)),
    );
  }

  private record(
    reg: Registration,
    old: ResourceState | undefined,
    s: {
      id?: string;
      inputs: PropertyMap;
      outputs: PropertyMap;
      mocked?: boolean;
      external?: boolean;
      initErrors?: string[];
    },
  ): void {
    if (old) this.superseded.add(old);
    this.records.set(reg.urn, {
      urn: reg.urn,
      type: reg.type,
      name: reg.name,
      custom: reg.custom,
      ...(s.id ? { id: s.id } : {}),
      ...(reg.parent ? { parent: reg.parent } : {}),
      inputs: mapToState(s.inputs),
      outputs: mapToState(s.outputs),
      dependencies: reg.dependencies,
      ...(reg.additionalSecretOutputs.length ? { additionalSecretOutputs: reg.additionalSecretOutputs } : {}),
      ...(reg.protect ? { protect: true } : {}),
      ...(reg.retainOnDelete ? { retainOnDelete: true } : {}),
      ...(s.mocked ? { mocked: true } : {}),
      ...(s.external ? { external: true } : {}),
      ...(s.initErrors ? { initErrors: s.initErrors } : {}),
    });
  }

  // ---- after the program: deletes ----

  /** Deletes what left the program and what was replaced create-before-delete, dependents first. */
  async deleteLeftovers(): Promise<void> {
    const doomed = this.prev.filter(
      (r) =>
        !this.superseded.has(r) &&
        !this.deleted.has(r) &&
        (r.pendingDelete || this.replaced.has(r) || !this.seen.has(r.urn)),
    );
    // Olds replaced in this run are part of their `replace` step; anything else is reported.
    const partOfReplace = new Set(doomed.filter((r) => this.replaced.has(r)));
    await this.deleteAll(doomed, (r) => !partOfReplace.has(r));
  }

  // ---- refresh and destroy (no program) ----

  /** Reads every dynamic resource, all at once (up to `parallel`), as the engine's refresh steps run. */
  async refresh(): Promise<void> {
    const reads = this.prev
      .filter((r) => r.custom && !r.mocked && isDynamicType(r.type))
      .map((r) => {
        const step: StepResult = { urn: r.urn, name: r.name, type: r.type, op: "same", ...idOf(r) };
        this.steps.push(step); // state order, whichever read finishes first
        return this.executor.run(async () => {
          if (this.failure) this.steps.splice(this.steps.indexOf(step), 1);
          else await this.refreshOne(r, step);
        });
      });
    await Promise.all(reads);
  }

  private async refreshOne(r: ResourceState, step: StepResult): Promise<void> {
    try {
      const plugin = await this.ctx.plugin();
      const oldInputs = mapFromState(r.inputs);
      const oldOutputs = mapFromState(r.outputs);
      const res = await plugin.read(r.urn, r.id ?? "", revealMap(oldOutputs), revealMap(oldInputs));
      if (!res.id) {
        step.op = "delete"; // gone: dropped from state, the provider's delete is not called
        this.deleted.add(r);
        return;
      }
      const outputs = markSecret(
        annotateSecrets(res.properties, oldOutputs),
        r.additionalSecretOutputs ?? [],
      );
      const inputs = res.inputs ? annotateSecrets(res.inputs, oldInputs) : oldInputs;
      const diffs = [
        ...new Set([...changedKeys(oldOutputs, outputs), ...changedKeys(oldInputs, inputs)]),
      ].sort();
      // Since Pulumi 3.118 (pulumi/pulumi#16146) a refresh reports drift relative to the desired
      // state: the provider's Diff of the refreshed outputs against the inputs decides, so output-only
      // changes (a status catching up) are recorded in state but are not shown as changes.
      const drift = diffs.length
        ? await plugin.diff(r.urn, res.id, revealMap(inputs), revealMap(outputs), revealMap(inputs))
        : undefined;
      if (drift && drift.changes !== "none") Object.assign(step, { op: "refresh", diffs });
      this.refreshed.set(r, {
        ...r,
        ...(res.id !== r.id ? { id: res.id } : {}),
        inputs: mapToState(inputs),
        outputs: mapToState(outputs),
      });
    } catch (e) {
      step.error = message(e);
      this.fail(`refresh of ${r.urn} failed: ${step.error}`);
    }
  }

  async destroy(): Promise<void> {
    await this.deleteAll(this.prev, () => true);
  }

  /**
   * Deletes `doomed` (in state order) dependents first, independent ones concurrently (up to `parallel`).
   * After a failure no further delete starts. Steps of the deletes that started are reported in reverse
   * state order, whichever finished first; `reported` leaves out those that belong to a replace step.
   */
  private async deleteAll(
    doomed: readonly ResourceState[],
    reported: (r: ResourceState) => boolean,
  ): Promise<void> {
    const started = new Map<ResourceState, StepResult>();
    await inReverseDependencyOrder(doomed, (r) =>
      this.executor.run(async () => {
        if (this.failure) return false;
        const step: StepResult = { urn: r.urn, name: r.name, type: r.type, op: "delete", ...idOf(r) };
        started.set(r, step);
        if (this.ctx.preview) return true;
        try {
          await this.deleteFromProvider(r);
          this.deleted.add(r);
          this.replaced.delete(r);
          return true;
        } catch (e) {
          step.error = message(e);
          this.fail(`delete of ${r.urn} failed: ${step.error}`);
          return false;
        }
      }),
    );
    for (const r of [...doomed].reverse()) {
      const step = started.get(r);
      if (step && (step.error || reported(r))) this.steps.push(step);
    }
  }
}

function idOf(r: ResourceState): { id?: string } {
  return r.id ? { id: r.id } : {};
}

/** `ignoreChanges` (top-level keys): keep the old input value for the ignored keys. */
function ignoreChanges(news: PropertyMap, olds: PropertyMap, keys: readonly string[]): PropertyMap {
  if (!keys.length) return news;
  const result: PropertyMap = { ...news };
  for (const key of keys) {
    if (key in olds) result[key] = olds[key];
    else delete result[key];
  }
  return result;
}
