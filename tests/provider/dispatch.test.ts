import { call, dispatch } from "../../provider";
import { legacyMethodOf } from "../../provider/legacy-dispatch";

describe("legacyMethodOf: 0.1.0's calls, told apart by their arguments", () => {
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
    expect(legacyMethodOf(updateOrDelete, args)).toBe(method);
  });
});

describe("call: the method is the one named, whatever the arguments look like", () => {
  const news = { destinationConf: "s3://pcaps?region=us-east-1", __provider: "shim" };

  it("check named is check, even with a string first argument (which 0.1.0 would route to read)", async () => {
    // As dispatch(kind, false, args) 0.1.0 would take ["x", news] for a read; named, it is a check.
    await expect(call("BucketOwnership", "check", ["x", news])).rejects.toThrow(
      /the plugin passed string where an object of old inputs was expected/,
    );
    await expect(call("BucketOwnership", "check", [{}, news])).resolves.toEqual({
      inputs: { destinationConf: "s3://pcaps?region=us-east-1" },
    });
  });

  it("refuses arguments not of the shape the plugin passes, instead of guessing", async () => {
    await expect(call("BucketOwnership", "read", [{ id: "x" }, {}])).rejects.toThrow(
      /the plugin passed object where a resource id was expected/,
    );
    await expect(call("BucketOwnership", "configure", [{ config: "text" }])).rejects.toThrow(
      /where a configure request was expected/,
    );
  });

  it("an unknown kind or method says so", async () => {
    await expect(call("Firewall", "check", [{}, {}])).rejects.toThrow(/has no resource kind "Firewall"/);
    await expect(dispatch("Firewall", false, [{}, {}])).rejects.toThrow(/has no resource kind "Firewall"/);
    // @ts-expect-error -- a method name no plugin calls
    await expect(call("BucketOwnership", "import", [])).rejects.toThrow(
      /called "import", which no resource has/,
    );
  });

  it("the legacy entry reaches the same methods", async () => {
    await expect(dispatch("BucketOwnership", false, [{}, news])).resolves.toEqual({
      inputs: { destinationConf: "s3://pcaps?region=us-east-1" },
    });
  });
});
