import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { resultCode } from "./result-code";

const WITH_SKIP = { SUCCESS: 0, FAIL: 1, SKIP: 2 }; // @pulumi/pulumi 3.139 … 3.248
const WITHOUT_SKIP = { SUCCESS: 0, FAIL: 1 }; // 3.276

test.each([
  ["protos with SKIP", WITH_SKIP, [0, 1, 2]],
  ["protos without SKIP", WITHOUT_SKIP, [0, 1, 1]],
])("%s: success, fail and skip map to codes those protos define", (_name, codes, expected) => {
  expect([resultCode(undefined, codes), resultCode("fail", codes), resultCode("skip", codes)]).toEqual(
    expected,
  );
});

test("with the installed SDK's protos, only success is SUCCESS, and every code is one they define", () => {
  const defined = new Set<unknown>(Object.values(resproto.Result));
  expect(resultCode(undefined)).toBe(resproto.Result.SUCCESS);
  for (const result of ["fail", "skip"] as const) {
    expect(defined.has(resultCode(result))).toBe(true);
    expect(resultCode(result)).not.toBe(resproto.Result.SUCCESS);
  }
});
