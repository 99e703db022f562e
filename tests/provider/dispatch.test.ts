import { methodOf } from "../../provider/dispatch";

describe("methodOf: telling the plugin's calls apart by their arguments", () => {
  const config = { get: () => undefined, require: () => "" };
  it.each<[boolean, unknown[], string]>([
    [false, [{ config }], "configure"],
    [false, [{ destinationConf: "s3://x", __provider: "..." }], "create"],
    [false, [{ config: "an input named config" }], "create"],
    [false, [{}, { destinationConf: "s3://x" }], "check"],
    [false, ["0123", { status: "success" }], "read"],
    [false, ["0123", { status: "success" }, { destinationConf: "s3://x" }], "diff"],
    [true, ["0123", { status: "success" }, { destinationConf: "s3://x" }], "update"],
    [true, ["0123", { status: "success" }], "delete"],
  ])("updateOrDelete=%s %j → %s", (updateOrDelete, args, method) => {
    expect(methodOf(updateOrDelete, args)).toBe(method);
  });
});
