/**
 * google-protobuf and @grpc/grpc-js as @pulumi/pulumi's own copies, resolved from the SDK's location rather
 * than from this folder.
 *
 * Why: the stand-in hands protobuf messages to the SDK's runtime and gRPC credentials and metadata to the
 * SDK's generated client (grpc-js checks them with `instanceof`), so these must be the module instances the
 * SDK loads. In this repository both resolve to the same hoisted copies either way. When the stand-in runs
 * against a project's own SDK (tests/consumers copies its compiled JavaScript into consumer projects), a
 * package manager that does not hoist transitive dependencies (pnpm) leaves them reachable only from
 * the SDK's directory. `createRequire` also works under jest, which routes it through its module registry.
 *
 * When porting to another @pulumi/pulumi: keep these resolved through the SDK.
 */
import { createRequire } from "node:module";
import type * as GrpcModule from "@grpc/grpc-js";
import type * as StructModule from "google-protobuf/google/protobuf/struct_pb";

const requireFromSdk = createRequire(require.resolve("@pulumi/pulumi"));

const grpc = requireFromSdk("@grpc/grpc-js") as typeof GrpcModule;
const structproto = requireFromSdk("google-protobuf/google/protobuf/struct_pb") as typeof StructModule;

/** The values the stand-in uses; their types come from the `import type`s where they are used. */
export const { Struct } = structproto;
export const { Metadata, credentials, status } = grpc;
