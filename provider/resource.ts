/**
 * One way to define a resource kind, and the one adapter that turns a definition into the
 * `dynamic.ResourceProvider` the plugin calls.
 *
 * A definition says what is particular to its kind: typed inputs (a zod schema; a union where the API
 * has one), typed state, which inputs replace the resource and which only update it, which are secret,
 * and typed create / read / update / delete. The adapter does what every kind needs alike: check via
 * the schema (unknown preview values pass), the diff from the replace and update lists, parsing stored
 * state, Struct-safe outputs, the resource's account, keeping `__provider` on partial failures, and
 * keeping an object that exists in state whatever fails after it was made.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { z } from "zod";
import { checkWith, isUnknown, stripUndefined } from "./check";
import { PartialFailure, keepingProvider } from "./partial-failure";
import { configureRuntime, currentRuntime, type Runtime } from "./runtime";
import { readState } from "./state";

/** Properties as the plugin passes and takes them: protobuf Structs, unchecked. */
export type Props = Record<string, unknown>;

/** Every key of an object type, or of any member of a union of object types. */
export type KeysOf<T> = T extends unknown ? keyof T & string : never;

/**
 * New inputs as diff sees them: they passed check, but during preview any value may still be the
 * engine's unknown sentinel, so each is `unknown` until compared.
 */
export type Proposed<I> = { readonly [K in KeysOf<I>]?: unknown };

/** What every kind keeps in state: at least the account it lives in (resolved, so diff can compare it). */
export type StoredState = Props & { accountId: string };

/** Equality of a proposed input and its stored value, where `===` is not the right one. */
export type Sameness = (proposed: unknown, stored: unknown) => boolean;

/**
 * Tells the adapter the object now exists, with this state: from then on a failure of the same create
 * keeps it in state (a partial failure) instead of orphaning it. Call it again as the state moves on.
 */
export type Exists<S> = (id: string, state: S) => void;

export interface ResourceDefinition<I extends Props, S extends StoredState> {
  /** The kind's name: the shims pass it, and error messages start with it. */
  readonly kind: string;
  /** The inputs create and update take, as check normalized them. */
  readonly inputs: z.ZodType<I>;
  /**
   * The schema check uses, when it differs from `inputs`: a rule that depends on the old inputs or on
   * the time of checking, or fields checked before the variant is known. Check only normalizes.
   */
  readonly inputsAtCheck?: (oldInputs: unknown) => z.ZodType<Props>;
  /** What the kind keeps in state: every input later calls need, and what the API reports. */
  readonly state: z.ZodType<S>;
  /** Inputs whose values are secret: the SDK class marks them as secret outputs, errors never quote them. */
  readonly secrets: readonly KeysOf<I>[];
  /** Inputs whose change (or unknown value) replaces the resource. The account always does. */
  readonly replaceOn: readonly (KeysOf<I> & keyof S)[];
  /** Inputs whose change is an update. */
  readonly updateOn: readonly (KeysOf<I> & keyof S)[];
  /** Equalities other than `===`, per input. */
  readonly sameWhen?: Partial<Record<KeysOf<I>, Sameness>>;
  /** Replacements the lists cannot express, named by the property shown in the plan. */
  readonly replaceAlso?: (old: S, news: Proposed<I>) => string[];
  /** Whether a replacement deletes the old object before creating the new one. Default: never. */
  readonly deleteBeforeReplace?: (old: S, news: Proposed<I>) => boolean;
  /** Work an earlier run left undone (a wait that timed out): an update even when no input changed. */
  readonly unfinished?: (old: S, news: Proposed<I>) => boolean;
  /** Told what state shows of an existing object, whenever diff, read or update sees it. */
  readonly observe?: (runtime: Runtime, id: string, state: S, news?: Proposed<I>) => void;

  create(runtime: Runtime, inputs: I, exists: Exists<S>): Promise<{ id: string; state: S }>;
  /** The object as the API reports it now; undefined when it is gone (a real "not found" only). */
  read(runtime: Runtime, id: string, state: S): Promise<S | undefined>;
  update(runtime: Runtime, id: string, old: S, inputs: I): Promise<S>;
  delete(runtime: Runtime, id: string, state: S): Promise<void>;
}

/** The provider the plugin calls for a kind, with every method present. */
export type KindProvider = Required<dynamic.ResourceProvider<Props, Props>>;

/** The adapter: a definition as the plugin's provider object. */
export function resourceProvider<I extends Props, S extends StoredState>(
  definition: ResourceDefinition<I, S>,
): KindProvider {
  return new DefinedResource(definition);
}

class DefinedResource<I extends Props, S extends StoredState> implements KindProvider {
  constructor(private readonly definition: ResourceDefinition<I, S>) {}

  async configure(request: dynamic.ConfigureRequest): Promise<void> {
    configureRuntime(request.config);
  }

  async check(olds: Props, news: Props): Promise<dynamic.CheckResult<Props>> {
    return checkWith(this.definition.inputsAtCheck?.(olds) ?? this.definition.inputs, news);
  }

  async diff(id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
    const { definition } = this;
    const runtime = currentRuntime();
    const old = this.stored(olds);
    const proposed: Proposed<I> = news;
    definition.observe?.(runtime, id, old, proposed);
    const changed = (key: KeysOf<I> & keyof S) =>
      !(definition.sameWhen?.[key] ?? strictlyEqual)(proposed[key], old[key]);
    const replaces: string[] = definition.replaceOn.filter((key) => isUnknown(proposed[key]) || changed(key));
    // The account may come from config: compare the account the new inputs resolve to.
    const accountId = news.accountId;
    if (isUnknown(accountId) || runtime.accountIdFor(stringOr(accountId)) !== old.accountId) {
      replaces.push("accountId");
    }
    replaces.push(...(definition.replaceAlso?.(old, proposed) ?? []));
    const changes =
      replaces.length > 0 ||
      definition.updateOn.some(changed) ||
      (definition.unfinished?.(old, proposed) ?? false);
    if (!definition.deleteBeforeReplace) return { changes, replaces };
    return {
      changes,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && definition.deleteBeforeReplace(old, proposed),
    };
  }

  async create(news: Props): Promise<dynamic.CreateResult<Props>> {
    const runtime = currentRuntime();
    return keepingProvider(news, this.secretsOf(news), async () => {
      const inputs = this.parseInputs(news);
      const made: { last?: { id: string; state: S } } = {};
      try {
        const { id, state } = await this.definition.create(runtime, inputs, (id, state) => {
          made.last = { id, state };
        });
        return { id, outs: stripUndefined(state) };
      } catch (err) {
        if (err instanceof PartialFailure || !made.last) throw err;
        // The object exists: keep it in state whatever went wrong after it was made.
        throw new PartialFailure(made.last.id, stripUndefined(made.last.state), messageOf(err));
      }
    });
  }

  async read(id: string, props?: Props): Promise<dynamic.ReadResult<Props>> {
    const runtime = currentRuntime();
    const now = await this.definition.read(runtime, id, this.stored(props));
    if (!now) return {}; // gone: the engine drops it from state
    this.definition.observe?.(runtime, id, now);
    return { id, props: stripUndefined(now) };
  }

  async update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult<Props>> {
    const runtime = currentRuntime();
    return keepingProvider(news, this.secretsOf(news), async () => {
      const state = await this.definition.update(runtime, id, this.stored(olds), this.parseInputs(news));
      this.definition.observe?.(runtime, id, state);
      return { outs: stripUndefined(state) };
    });
  }

  async delete(id: string, props: Props): Promise<void> {
    await this.definition.delete(currentRuntime(), id, this.stored(props));
  }

  /** Stored outputs, typed; state this provider wrote always parses. */
  private stored(props: unknown): S {
    return readState(this.definition.state, props, this.definition.kind);
  }

  /** The values of the secret inputs, to keep out of error messages. */
  private secretsOf(news: Props): string[] {
    return this.definition.secrets.map((key) => news[key]).filter((value) => typeof value === "string");
  }

  /** Inputs that reach create and update passed check; one that does not parse is a bug, said as such. */
  private parseInputs(news: Props): I {
    const parsed = this.definition.inputs.safeParse(news);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new Error(
      `${this.definition.kind}: its inputs are not what check accepted (${issue.path.map(String).join(".")}: ${issue.message}). ` +
        "This is a bug of pulumi-cloudflare-pcap: please report it with the resource's inputs.",
    );
  }
}

function strictlyEqual(a: unknown, b: unknown): boolean {
  return a === b;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
