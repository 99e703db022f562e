import type { Json, PropertyMap } from "./wire";

/** What happened to a resource in a run. `refresh` = a read that found drift. */
export type Op = "create" | "update" | "replace" | "delete" | "same" | "read" | "refresh";

export interface StepResult {
  urn: string;
  name: string;
  type: string;
  op: Op;
  id?: string;
  /** Top-level properties that differ (inputs for up/preview, outputs or inputs for refresh). */
  diffs?: string[];
  /** Properties that forced a replacement. */
  replaces?: string[];
  deleteBeforeReplace?: boolean;
  /** The provider's message when this step failed. */
  error?: string;
}

export interface RunResult {
  kind: "up" | "preview" | "refresh" | "destroy";
  steps: StepResult[];
  /** Number of steps per op. */
  summary: Partial<Record<Op, number>>;
  /** True when any step is not `same`. */
  changed: boolean;
  /** The program's stack outputs, secrets revealed (unknowns are the UNKNOWN string in a preview). */
  outputs: Record<string, Json>;
  /** What the plugin printed (stdout after the port line, and stderr). */
  log: string[];
}

/** One resource in the stack's state. Property maps are in state form (see wire.ts). */
export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  /** false for component resources. */
  custom: boolean;
  id?: string;
  parent?: string;
  /** Inputs after Check, including `__provider` for dynamic resources. */
  inputs: PropertyMap;
  /** Outputs from the provider, including `__provider` for dynamic resources. */
  outputs: PropertyMap;
  dependencies: string[];
  additionalSecretOutputs?: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  /** Read with `opts.id` (not managed: never deleted through the provider). */
  external?: boolean;
  /** Registered through `StackOptions.mocks` (not a dynamic resource). */
  mocked?: boolean;
  /** Set by a partial failure; the next `up` updates the resource even without a diff. */
  initErrors?: string[];
  /** Replaced (create-before-delete) but not yet deleted: the next `up` deletes it. */
  pendingDelete?: boolean;
}

export interface StackState {
  version: 1;
  project: string;
  stack: string;
  /** Stack outputs in state form. */
  outputs: PropertyMap;
  /** In dependency (creation) order; deletes walk it backwards. */
  resources: ResourceState[];
}

/** A resource registration as the program's SDK sent it (RegisterResourceRequest / ReadResourceRequest). */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  /** Wire form, secrets wrapped, unknowns possible in a preview. */
  inputs: PropertyMap;
  dependencies: string[];
  /** undefined when the option was not set. */
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs: string[];
  ignoreChanges: string[];
  replaceOnChanges: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  /** The provider reference (`urn::id`) when an explicit provider was passed. */
  provider: string;
  /** Set for ReadResource (`opts.id` on a custom resource). */
  readId?: string;
  /** The `import` option. */
  importId?: string;
}
