/**
 * Runs the bucket-onboarding program through the engine stand-in (tests/engine): the program runs in this
 * process on the Pulumi SDK's runtime, and every resource operation goes to the SDK's own dynamic-provider
 * plugin, spawned as the Pulumi engine spawns it. Used when the Pulumi CLI is not installed.
 */
import { Stack, type ConfigValue, type RunResult } from "../../tests/engine";
import { bucketOnboarding } from "../bucket-onboarding/program";
import { shortType, type Engine, type EngineSettings, type StageResult } from "./engine";

export function standInEngine(settings: EngineSettings): Engine {
  const config: Record<string, ConfigValue> = {};
  for (const [key, { value, secret }] of Object.entries(settings.config)) {
    config[key] = secret ? { secret: value } : value;
  }
  const stack = new Stack({ programDir: settings.programDir, name: settings.stackName, config });

  /** Outputs of every resource in the stack now, by URN. */
  const snapshot = () =>
    new Map(stack.state.resources.filter((r) => r.custom).map((r) => [r.urn, stack.outputs(r.name, r.type)]));

  const stage = (result: RunResult, outputs: Map<string, Record<string, unknown>>): StageResult => ({
    steps: result.steps.map((s) => ({
      op: s.op,
      type: shortType(s.type),
      name: s.name,
      outputs: outputs.get(s.urn) ?? {},
    })),
    outputs: result.outputs,
  });

  return {
    description:
      "the engine stand-in (tests/engine): the program runs in this process, each resource operation goes to the Pulumi SDK's own dynamic-provider plugin",
    async up() {
      const result = await stack.up(bucketOnboarding);
      return stage(result, snapshot());
    },
    async destroy() {
      const before = snapshot();
      return stage(await stack.destroy(), before);
    },
    close: () => stack.close(),
  };
}
