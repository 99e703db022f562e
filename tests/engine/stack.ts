/**
 * A stack driven by the engine stand-in: `up`, `preview`, `refresh`, `destroy` over a persistent state.
 * See README.md in this folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as settingsModule from "@pulumi/pulumi/runtime/settings";
import { Deployment, type Mocks } from "./engine";
import { EngineMonitor } from "./monitor";
import { DynamicProviderPlugin } from "./plugin";
import type { Op, ResourceState, RunResult, StackState, StepResult } from "./types";
import { makeSecret, mapFromState, mapToState, reveal, revealMap, type Json, type PropertyMap } from "./wire";

/** A stack config value; `{ secret }` marks it secret (like `pulumi config set --secret`). */
export type ConfigValue = string | { secret: string };

export interface StackOptions {
  /** The program directory: the plugin's working directory (serialized `require`s resolve from here). */
  programDir: string;
  /** Stack name (default "dev"). */
  name?: string;
  /** Project name (default: `name:` in programDir/Pulumi.yaml, else "project"). */
  project?: string;
  /** Stack config. Keys without a namespace get the project's (`key` → `project:key`). */
  config?: Record<string, ConfigValue>;
  /** Environment variables for the plugin process (the program runs in this process). */
  env?: Record<string, string>;
  /** Load the state from this file if it exists, and save it there after every operation. */
  stateFile?: string;
  /** Simulates non-dynamic custom resources and invokes. */
  mocks?: Mocks;
  /** Deadline for each provider call (default 120 s). */
  callTimeoutMs?: number;
  /**
   * At most this many steps' provider operations at once, like `pulumi up --parallel`: unbounded by
   * default, as in the engine; 1 runs them one at a time, in the order the registrations arrived.
   */
  parallel?: number;
}

/** A Pulumi program: creates resources, may return stack outputs. */
export type Program = () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

/** Thrown when an operation fails; `result` holds the steps that ran, the failed one with its `error`. */
export class DeploymentError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = "DeploymentError";
  }
}

/**
 * Runtime hooks of @pulumi/pulumi (`awaitFeatureSupport` and `waitForRPCs` are internal), the same in every
 * version CI runs, from 3.139 to the newest (README, Support).
 */
interface RuntimeSettings {
  setMockOptions(monitor: unknown, project?: string, stack?: string, preview?: boolean): void;
  awaitFeatureSupport(): Promise<void>;
  waitForRPCs(): Promise<void>;
}
const runtimeSettings = settingsModule as unknown as RuntimeSettings;

/** The Pulumi runtime is global to the process: one operation at a time, across all stacks. */
let runtimeLock: Promise<unknown> = Promise.resolve();

export class Stack {
  readonly name: string;
  readonly project: string;
  readonly programDir: string;
  private current: StackState;
  private plugin?: PluginHandle;
  private closed = false;

  constructor(private readonly opts: StackOptions) {
    this.programDir = path.resolve(opts.programDir);
    this.name = opts.name ?? "dev";
    this.project = opts.project ?? projectName(this.programDir) ?? "project";
    this.current = emptyState(this.project, this.name);
    if (opts.stateFile && fs.existsSync(opts.stateFile)) this.loadState(opts.stateFile);
  }

  /** The stack's state (JSON-serializable; treat as read-only). */
  get state(): StackState {
    return this.current;
  }

  /** The live record of a resource by name (and type, if names repeat). */
  resource(name: string, type?: string): ResourceState | undefined {
    return this.current.resources.find(
      (r) => r.name === name && (!type || r.type === type) && !r.pendingDelete,
    );
  }

  /** A resource's outputs with secrets revealed. */
  outputs(name: string, type?: string): Record<string, Json> {
    const r = this.resource(name, type);
    if (!r) throw new Error(`no resource named ${name} in stack ${this.name}`);
    return revealMap(mapFromState(r.outputs));
  }

  saveState(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(this.current, null, 2) + "\n");
  }

  loadState(file: string): void {
    this.current = JSON.parse(fs.readFileSync(file, "utf8")) as StackState;
  }

  /** `pulumi up`: runs the program and applies its steps. Throws DeploymentError on failure. */
  up(program: Program): Promise<RunResult> {
    return this.exclusive(() => this.deploy("up", program));
  }

  /** `pulumi preview`: runs the program with Check and Diff only; nothing is written. */
  preview(program: Program): Promise<RunResult> {
    return this.exclusive(() => this.deploy("preview", program));
  }

  /** `pulumi refresh`: reads every dynamic resource; a blank id drops it from state. */
  refresh(): Promise<RunResult> {
    return this.exclusive(async () => {
      const deployment = new Deployment(this.current.resources, this.context(false));
      await deployment.refresh();
      return this.conclude("refresh", deployment, this.current.outputs);
    });
  }

  /** `pulumi destroy`: deletes everything in reverse order. */
  destroy(): Promise<RunResult> {
    return this.exclusive(async () => {
      const deployment = new Deployment(this.current.resources, this.context(false));
      await deployment.destroy();
      return this.conclude("destroy", deployment, deployment.failure ? this.current.outputs : {});
    });
  }

  /** Kills a plugin still running (each operation kills its own when it ends). Further operations throw. */
  async close(): Promise<void> {
    this.closed = true;
    await this.plugin?.close();
  }

  private async deploy(kind: "up" | "preview", program: Program): Promise<RunResult> {
    const preview = kind === "preview";
    const deployment = new Deployment(this.current.resources, this.context(preview));
    this.plugin?.get().catch(() => undefined); // start it now, while the program is being evaluated
    const monitor = new EngineMonitor(deployment, this.project, this.name);
    const programError = await this.runProgram(program, monitor, preview);
    if (programError !== undefined && !deployment.failure) {
      deployment.fail(
        `the program failed: ${programError instanceof Error ? programError.stack : String(programError)}`,
      );
    }
    await deployment.deleteLeftovers();
    const outputs = deployment.failure ? this.current.outputs : mapToState(deployment.stackOutputs);
    return this.conclude(kind, deployment, outputs, deployment.stackOutputs);
  }

  private async runProgram(program: Program, monitor: EngineMonitor, preview: boolean): Promise<unknown> {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of this.configEntries()) {
      config[key] = typeof value === "string" ? value : value.secret;
      if (typeof value !== "string") secretKeys.push(key);
    }
    runtimeSettings.setMockOptions(monitor, this.project, this.name, preview);
    pulumi.runtime.setAllConfig(config, secretKeys);
    await runtimeSettings.awaitFeatureSupport();
    let error: unknown;
    try {
      await pulumi.runtime.runInPulumiStack(async () => {
        try {
          return (await program()) ?? undefined;
        } catch (e) {
          // Kept, not rethrown: the SDK would also reject promises of its own that nobody awaits, and
          // jest reports those as failures of whichever test runs next.
          error = e;
          return undefined;
        }
      });
    } catch (e) {
      error ??= e;
    }
    try {
      await runtimeSettings.waitForRPCs();
    } catch (e) {
      error ??= e;
    }
    return error;
  }

  /** Each operation gets a fresh plugin process, as with the engine (one per deployment). */
  private context(preview: boolean) {
    const handle = new PluginHandle(
      this.programDir,
      this.pluginEnv(),
      this.configure(),
      this.opts.callTimeoutMs,
    );
    this.plugin = handle;
    return { preview, plugin: () => handle.get(), mocks: this.opts.mocks, parallel: this.opts.parallel };
  }

  private async conclude(
    kind: RunResult["kind"],
    deployment: Deployment,
    stateOutputs: PropertyMap,
    resultOutputs: PropertyMap = stateOutputs,
  ): Promise<RunResult> {
    const log = this.plugin?.log() ?? [];
    await this.plugin?.close();
    if (kind !== "preview") {
      this.current = { ...this.current, outputs: stateOutputs, resources: deployment.finalResources() };
      if (this.opts.stateFile) this.saveState(this.opts.stateFile);
    }
    const result = summarize(kind, deployment.steps, revealMap(mapFromState(resultOutputs)), log);
    if (deployment.failure) throw new DeploymentError(deployment.failure, result);
    return result;
  }

  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`stack ${this.name} is closed`));
    const run = runtimeLock.then(async () => {
      try {
        return await op();
      } finally {
        await this.plugin?.close(); // also when the operation threw before concluding
        this.plugin = undefined;
      }
    });
    runtimeLock = run.catch(() => undefined);
    return run;
  }

  private configEntries(): [string, ConfigValue][] {
    return Object.entries(this.opts.config ?? {}).map(([k, v]) => [
      k.includes(":") ? k : `${this.project}:${k}`,
      v,
    ]);
  }

  /** The ConfigureRequest the engine sends the `pulumi-nodejs` provider: every key, namespaced, secrets marked. */
  private configure(): { args: PropertyMap; variables: Record<string, string> } {
    const args: PropertyMap = {};
    const variables: Record<string, string> = {};
    for (const [key, value] of this.configEntries()) {
      const plain = typeof value === "string" ? value : value.secret;
      args[key] = typeof value === "string" ? value : makeSecret(plain);
      variables[key] = plain;
    }
    return { args, variables };
  }

  /** The engine's environment for the dynamic provider plugin, plus the caller's `env`. */
  private pluginEnv(): Record<string, string> {
    const config = Object.fromEntries(
      this.configEntries().map(([k, v]) => [k, typeof v === "string" ? v : v.secret]),
    );
    return {
      PULUMI_NODEJS_PROJECT: this.project,
      PULUMI_PROJECT: this.project,
      PULUMI_CONFIG: JSON.stringify(config),
      ...this.opts.env,
    };
  }
}

function emptyState(project: string, stack: string): StackState {
  return { version: 1, project, stack, outputs: {}, resources: [] };
}

/** Starts the plugin on first use, calls Configure, and closes it at the end of the operation. */
class PluginHandle {
  private started?: Promise<DynamicProviderPlugin>;
  private instance?: DynamicProviderPlugin;

  constructor(
    private readonly cwd: string,
    private readonly env: Record<string, string>,
    private readonly config: { args: PropertyMap; variables: Record<string, string> },
    private readonly callTimeoutMs?: number,
  ) {}

  get(): Promise<DynamicProviderPlugin> {
    this.started ??= (async () => {
      const plugin = await DynamicProviderPlugin.start({
        cwd: this.cwd,
        env: this.env,
        callTimeoutMs: this.callTimeoutMs,
      });
      this.instance = plugin;
      await plugin.configure(this.config.args, this.config.variables);
      return plugin;
    })();
    return this.started;
  }

  log(): string[] {
    return this.instance?.log ?? [];
  }

  async close(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => undefined);
    await this.instance?.close();
  }
}

function summarize(
  kind: RunResult["kind"],
  steps: StepResult[],
  outputs: PropertyMap,
  log: string[],
): RunResult {
  const summary: Partial<Record<Op, number>> = {};
  for (const s of steps) summary[s.op] = (summary[s.op] ?? 0) + 1;
  return {
    kind,
    steps,
    summary,
    changed: steps.some((s) => s.op !== "same"),
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, reveal(v)])),
    log,
  };
}

function projectName(dir: string): string | undefined {
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file)) return undefined;
  return /^name:\s*["']?([^"'\s#]+)/m.exec(fs.readFileSync(file, "utf8"))?.[1];
}
