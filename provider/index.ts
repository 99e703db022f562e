/**
 * What runs inside the dynamic-provider process. The resource shims load this module by package name
 * (`require("pulumi-cloudflare-pcap/provider")`) at call time, so no provider code is ever captured into
 * state, and pick their implementation from {@link providers}.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { packetCaptureProvider } from "./capture/packet-capture";
import { bucketOwnershipProvider } from "./ownership/bucket-ownership";
import { bucketOwnershipValidationProvider } from "./ownership/bucket-ownership-validation";

export * from "./api";
export {
  resolveSettings,
  resolveAccountId,
  CONFIG_KEYS,
  ENV_VARS,
  SettingsError,
  type Settings,
  type ConfigSource,
} from "./config";

/** The resource kinds, by the name their shim asks for. */
export const providers = {
  BucketOwnership: bucketOwnershipProvider,
  BucketOwnershipValidation: bucketOwnershipValidationProvider,
  PacketCapture: packetCaptureProvider,
} satisfies Record<string, dynamic.ResourceProvider>;

export type ResourceKind = keyof typeof providers;
