/**
 * The `result` of a RegisterResourceResponse, across the supported @pulumi/pulumi versions.
 *
 * The protos of older SDKs (3.139 … 3.248 at least) define SUCCESS, FAIL and SKIP; newer ones (3.276)
 * dropped SKIP. Every supported SDK treats any result other than SUCCESS alike: the resource's outputs
 * resolve as unknown instead of rejecting promises the program may never await. So a skipped
 * registration is answered SKIP where the protos still have it, and FAIL where they do not.
 */
import * as resproto from "@pulumi/pulumi/proto/resource_pb";

/** The `Result` enum as any supported SDK's protos define it (SKIP may be missing). */
export interface ResultCodes {
  readonly SUCCESS: number;
  readonly FAIL: number;
  readonly SKIP?: number;
}

export function resultCode(
  result: "fail" | "skip" | undefined,
  codes: ResultCodes = resproto.Result as ResultCodes,
): number {
  if (result === undefined) return codes.SUCCESS;
  if (result === "skip") return codes.SKIP ?? codes.FAIL;
  return codes.FAIL;
}
