/**
 * The engine's step logic for one deployment (up, preview, refresh or destroy) over a previous state.
 * Mirrors pkg/resource/deploy/step_generator.go and plugin/provider_plugin.go where it matters to dynamic
 * providers: Check → Create; Check → Diff → Update / Replace / Same; deletes last, in reverse order.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { ROOT_STACK_TYPE, type MonitorTarget, type Registered } from "./monitor";
import { ProviderError, type DynamicProviderPlugin } from "./plugin";
import { Struct } from "./sdk-modules";
import type { Op, Registration, ResourceState, StepResult } from "./types";
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
}

export function isDynamicType(type: string): boolean {
  return type.startsWith("pulumi-nodejs:dynamic:") || type.startsWith("pulumi-nodejs:dynamic/");
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Deployment implements MonitorTarget {
  readonly steps: StepResult[] = [];
  /** New state records, in the order their steps completed. */
  readonly resources: ResourceState[] = [];
  stackOutputs: PropertyMap = {};
  /** Set by the first failed step; later registrations are refused and deletes are skipped. */
  failure?: string;

  private readonly olds: Map<string, ResourceState>;
  private readonly seen = new Set<string>();
  /** Old records replaced by a new record for the same URN. */
  private readonly superseded = new Set<ResourceState>();
  /** Old records replaced create-before-delete: deleted at the end. */
  private readonly replaced = new Set<ResourceState>();
  private readonly deleted = new Set<ResourceState>();
  /** Refresh results, in place of their old records. */
  private readonly refreshed = new Map<ResourceState, ResourceState>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prev: readonly ResourceState[],
    private readonly ctx: EngineContext,
  ) {
    this.olds = new Map(prev.filter((r) => !r.pendingDelete).map((r) => [r.urn, r]));
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

  // ---- registrations from the program (processed one at a time, in registration order) ----

  register(reg: Registration): Promise<Registered> {
    const run = this.queue.then(async (): Promise<Registered> => {
      if (this.failure) return { id: "", outputs: {}, result: "skip" };
      try {
        return await this.step(reg);
      } catch (e) {
        this.fail(`${reg.urn}: ${message(e)}`); // steps set a more precise message first
        return { id: "", outputs: {}, result: "fail" };
      }
    });
    this.queue = run;
    return run;
  }

  registerOutputs(urn: string, outputs: PropertyMap): void {
    if (urn.split("::")[2] === ROOT_STACK_TYPE) {
      this.stackOutputs = outputs;
      return;
    }
    const record = this.resources.find((r) => r.urn === urn);
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

  private async step(reg: Registration): Promise<Registered> {
    if (this.seen.has(reg.urn)) throw new Error(`Duplicate resource URN '${reg.urn}'`);
    this.seen.add(reg.urn);
    if (reg.type === ROOT_STACK_TYPE && !reg.parent) return { id: "", outputs: {} };
    const old = this.olds.get(reg.urn);
    if (!reg.custom) return this.unmanaged(reg, old, "", {}, false);
    if (!isDynamicType(reg.type)) return this.mocked(reg, old);
    if (reg.readId !== undefined) return this.readExternal(reg, old);
    if (reg.importId !== undefined) throw new Error("the engine stand-in does not import dynamic resources");
    return this.dynamic(reg, old);
  }

  /** Components and mocked resources: no provider, so the diff is input equality. */
  private unmanaged(
    reg: Registration,
    old: ResourceState | undefined,
    id: string,
    outputs: PropertyMap,
    mocked: boolean,
  ): { id: string; outputs: PropertyMap } {
    const diffs = old ? changedKeys(mapFromState(old.inputs), reg.inputs) : [];
    const op: Op = !old ? "create" : diffs.length ? "update" : "same";
    this.steps.push({
      urn: reg.urn,
      name: reg.name,
      type: reg.type,
      op,
      ...(id ? { id } : {}),
      ...(diffs.length ? { diffs } : {}),
    });
    this.record(reg, old, { id: id || undefined, inputs: reg.inputs, outputs, mocked: mocked || undefined });
    return { id, outputs };
  }

  private async mocked(
    reg: Registration,
    old: ResourceState | undefined,
  ): Promise<{ id: string; outputs: PropertyMap }> {
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
    return this.unmanaged(reg, old, result.id ?? "", outputs, true);
  }

  /** ReadResource (`opts.id`): Read through the provider, record as external. */
  private async readExternal(
    reg: Registration,
    old: ResourceState | undefined,
  ): Promise<{ id: string; outputs: PropertyMap }> {
    const step: StepResult = { urn: reg.urn, name: reg.name, type: reg.type, op: "read", id: reg.readId };
    this.steps.push(step);
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

  private async dynamic(
    reg: Registration,
    old: ResourceState | undefined,
  ): Promise<{ id: string; outputs: PropertyMap }> {
    const { preview } = this.ctx;
    const step: StepResult = { urn: reg.urn, name: reg.name, type: reg.type, op: old ? "same" : "create" };
    let inputs: PropertyMap = reg.inputs;
    try {
      const plugin = await this.ctx.plugin();
      const news = old ? ignoreChanges(reg.inputs, mapFromState(old.inputs), reg.ignoreChanges) : reg.inputs;
      inputs = await this.check(plugin, reg.urn, old ? mapFromState(old.inputs) : {}, news);

      if (!old) {
        const { id, outputs } = await this.create(plugin, reg, inputs, step);
        this.steps.push(step);
        this.record(reg, undefined, { id: id || undefined, inputs, outputs });
        return { id, outputs };
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
        if (deleteBeforeReplace) {
          if (!preview) await this.deleteFromProvider(old);
          this.deleted.add(old);
        } else {
          this.replaced.add(old); // deleted after every create and update, like the engine
        }
        const created = await this.create(plugin, reg, inputs, step);
        this.steps.push(step);
        this.record(reg, undefined, { id: created.id || undefined, inputs, outputs: created.outputs });
        return created;
      }

      let outputs: PropertyMap;
      if (changes === "some" || old.initErrors?.length) {
        Object.assign(step, { op: "update", ...(diffs.length ? { diffs } : {}) });
        outputs = preview ? inputs : await this.update(plugin, reg, old, inputs);
      } else {
        outputs = oldOutputs;
      }
      outputs = markSecret(outputs, reg.additionalSecretOutputs);
      this.steps.push(step);
      this.record(reg, old, { id, inputs, outputs });
      return { id, outputs };
    } catch (e) {
      step.error = message(e);
      if (!this.steps.includes(step)) this.steps.push(step);
      const partial = e instanceof ProviderError ? e.initFailure : undefined;
      if (partial && !preview) {
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
  ): Promise<{ id: string; outputs: PropertyMap }> {
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
    const record: ResourceState = {
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
    };
    this.resources.push(record);
  }

  // ---- after the program: deletes ----

  /** Deletes, in reverse order, what left the program and what was replaced create-before-delete. */
  async deleteLeftovers(): Promise<void> {
    for (const r of [...this.prev].reverse()) {
      if (this.failure) return;
      if (this.superseded.has(r) || this.deleted.has(r)) continue;
      const replacedOld = r.pendingDelete || this.replaced.has(r);
      if (!replacedOld && this.seen.has(r.urn)) continue;
      const step: StepResult = {
        urn: r.urn,
        name: r.name,
        type: r.type,
        op: "delete",
        ...(r.id ? { id: r.id } : {}),
      };
      // Olds replaced in this run are part of their `replace` step; anything else is reported.
      if (!this.replaced.has(r)) this.steps.push(step);
      if (this.ctx.preview) continue;
      try {
        await this.deleteFromProvider(r);
        this.deleted.add(r);
        this.replaced.delete(r);
      } catch (e) {
        step.error = message(e);
        if (!this.steps.includes(step)) this.steps.push(step);
        this.fail(`delete of ${r.urn} failed: ${step.error}`);
      }
    }
  }

  // ---- refresh and destroy (no program) ----

  async refresh(): Promise<void> {
    for (const r of this.prev) {
      if (this.failure) return;
      if (!r.custom || r.mocked || !isDynamicType(r.type)) continue;
      const step: StepResult = {
        urn: r.urn,
        name: r.name,
        type: r.type,
        op: "same",
        ...(r.id ? { id: r.id } : {}),
      };
      this.steps.push(step);
      try {
        const plugin = await this.ctx.plugin();
        const oldInputs = mapFromState(r.inputs);
        const oldOutputs = mapFromState(r.outputs);
        const res = await plugin.read(r.urn, r.id ?? "", revealMap(oldOutputs), revealMap(oldInputs));
        if (!res.id) {
          step.op = "delete"; // gone: dropped from state, the provider's delete is not called
          this.deleted.add(r);
          continue;
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
  }

  async destroy(): Promise<void> {
    for (const r of [...this.prev].reverse()) {
      const step: StepResult = {
        urn: r.urn,
        name: r.name,
        type: r.type,
        op: "delete",
        ...(r.id ? { id: r.id } : {}),
      };
      this.steps.push(step);
      try {
        await this.deleteFromProvider(r);
        this.deleted.add(r);
      } catch (e) {
        step.error = message(e);
        this.fail(`delete of ${r.urn} failed: ${step.error}`);
        return;
      }
    }
  }
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
