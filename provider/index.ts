/**
 * What runs inside the dynamic-provider process. The resource shims load this module by package name
 * (`require("pulumi-cloudflare-pcap/provider")`) at call time, so no provider code is ever captured into
 * state, and call {@link call} with their kind and the method's name; state written by 0.1.0 calls the
 * legacy {@link dispatch}.
 */
export * from "../client";
export {
  resolveSettings,
  resolveAccountId,
  CONFIG_KEYS,
  ENV_VARS,
  SettingsError,
  type Settings,
  type ConfigSource,
} from "./config";
export { call, dispatch, type ProviderMethod } from "./entry";
export { providers, type ResourceKind } from "./kinds";
export type { KindProvider, Props } from "./resource";
