/**
 * The `__provider` text exactly as `dynamic.Resource` makes it: the program's closure serializer run on
 * `() => provider` (node_modules/@pulumi/pulumi/dynamic/index.js, serializeFunctionMaybeSecret).
 */
import { join } from "node:path";
import { serializeFunction } from "@pulumi/pulumi/runtime/closure/serializeClosure";
import { REPO } from "./common";

export type ResourceKind = "BucketOwnership" | "BucketOwnershipValidation" | "PacketCapture";

export async function serializeProvider(provider: object): Promise<string> {
  return (await serializeFunction(() => provider, { allowSecrets: true })).text;
}

/** The package's shim for a kind, serialized as every resource of that kind carries it. */
export async function packageProviderText(kind: ResourceKind): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shim = require(join(REPO, "dist/sdk/shim.js")) as { providerShim: (kind: string) => object };
  return serializeProvider(shim.providerShim(kind));
}
