/**
 * What the demo needs from whatever runs the Pulumi program: `up` and `destroy` of one stack, reported as
 * the steps the engine took. Two implementations: the Pulumi CLI through the Automation API
 * (engine-cli.ts) and the engine stand-in of this repository's tests (engine-stand-in.ts).
 */

/** One resource step: `create`, `same`, `update`, `replace`, `delete`, ... */
export interface Step {
  op: string;
  /** The resource type's own name: `BucketOwnership`, `PacketCapture`, ... */
  type: string;
  name: string;
  /** The resource's outputs after the step (before it, for a delete), when the engine reports them. */
  outputs: Record<string, unknown>;
}

export interface StageResult {
  steps: Step[];
  /** The stack outputs (secrets in plain text). */
  outputs: Record<string, unknown>;
}

export interface Engine {
  /** One line saying what runs the program. */
  readonly description: string;
  up(): Promise<StageResult>;
  destroy(): Promise<StageResult>;
  /** Removes what the engine itself created (stack, temporary backend); the stack must be destroyed first. */
  close(): Promise<void>;
}

/** Stack config: keys without a namespace belong to the project. */
export type DemoConfig = Record<string, { value: string; secret?: boolean }>;

export interface EngineSettings {
  /** The Pulumi program folder (has Pulumi.yaml). */
  programDir: string;
  stackName: string;
  config: DemoConfig;
}

/** `pulumi-nodejs:dynamic/cloudflare-pcap:BucketOwnership` → `BucketOwnership`. */
export function shortType(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}
