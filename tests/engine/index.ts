/** The engine stand-in: see README.md in this folder. */
export { Stack, DeploymentError, type StackOptions, type Program, type ConfigValue } from "./stack";
export type { Mocks } from "./engine";
export { DynamicProviderPlugin, ProviderError } from "./plugin";
export type { Op, StepResult, RunResult, ResourceState, StackState } from "./types";
export {
  reveal,
  revealMap,
  isSecret,
  containsSecrets,
  UNKNOWN,
  SIG_KEY,
  SECRET_SIG,
  type Json,
  type PropertyMap,
} from "./wire";
