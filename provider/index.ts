/**
 * What runs inside the dynamic-provider process. The resource shims load this module by package name
 * (`require("pulumi-cloudflare-pcap/provider")`) at call time, so no provider code is ever captured into
 * state, and pick their implementation from {@link providers}.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { packetCaptureProvider } from "./capture/packet-capture";
import { bucketOwnershipProvider } from "./ownership/bucket-ownership";
import { bucketOwnershipValidationProvider } from "./ownership/bucket-ownership-validation";
import { dispatchTo } from "./dispatch";

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

/** The resource kinds, by the name their shim asks for. */
export const providers = {
  BucketOwnership: bucketOwnershipProvider,
  BucketOwnershipValidation: bucketOwnershipValidationProvider,
  PacketCapture: packetCaptureProvider,
} satisfies Record<string, dynamic.ResourceProvider>;

/** The name of a resource kind, as the shims pass it. */
export type ResourceKind = keyof typeof providers;

/** Called by the resource shims with the arguments the plugin passed (see provider/dispatch.ts). */
export function dispatch(kind: ResourceKind, updateOrDelete: boolean, args: unknown[]): Promise<unknown> {
  const provider: dynamic.ResourceProvider | undefined = providers[kind];
  if (!provider) {
    throw new Error(
      `this version of pulumi-cloudflare-pcap has no resource kind "${kind}": the state was written by another version. ` +
        "Install the version that created it, or run `pulumi up` with this one before `destroy`.",
    );
  }
  return dispatchTo(provider, updateOrDelete, args);
}
