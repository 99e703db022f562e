/**
 * The conformance suite's switch: the emulator unless the real API is asked for, and then never a
 * silent pass — every missing or malformed variable is named, and no value is echoed.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIVE_TIMEOUT_SECONDS, LIVE_ENV, LiveSettingsError, resolveSuiteSettings } from "./settings";

const TOKEN = "secret-token-value-0123456789";
const ACCOUNT = "0123456789abcdef0123456789abcdef";

function failure(env: NodeJS.ProcessEnv): LiveSettingsError {
  try {
    resolveSuiteSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(LiveSettingsError);
    return err as LiveSettingsError;
  }
  throw new Error("expected the settings to be refused");
}

it("runs against the emulator when CLOUDFLARE_PCAP_LIVE is unset, empty, 0 or false — credentials or not", () => {
  for (const live of [undefined, "", "0", "false", "FALSE"]) {
    const settings = resolveSuiteSettings({ CLOUDFLARE_PCAP_LIVE: live, CLOUDFLARE_API_TOKEN: TOKEN });
    expect(settings).toEqual({
      kind: "emulator",
      reportPath: join(tmpdir(), "pulumi-cloudflare-pcap", "emulator-shape-report.json"),
      timeoutSeconds: expect.any(Number),
    });
  }
});

it("with CLOUDFLARE_PCAP_LIVE=1 and nothing else, names both missing variables", () => {
  const { message } = failure({ CLOUDFLARE_PCAP_LIVE: "1" });
  expect(message).toContain("CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID are not set");
});

it("names only what is missing, and never echoes the token", () => {
  const { message } = failure({ CLOUDFLARE_PCAP_LIVE: "true", CLOUDFLARE_API_TOKEN: TOKEN });
  expect(message).toContain("CLOUDFLARE_ACCOUNT_ID is not set");
  expect(message).not.toContain("CLOUDFLARE_API_TOKEN and");
  expect(message.includes(TOKEN)).toBe(false);
});

it("refuses a malformed account, a bucket without a way to read its challenge, and a bad timeout together", () => {
  const { message } = failure({
    CLOUDFLARE_PCAP_LIVE: "1",
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_ACCOUNT_ID: "not-an-account",
    CLOUDFLARE_PCAP_LIVE_BUCKET: "s3://my-bucket?region=us-east-1",
    CLOUDFLARE_PCAP_LIVE_TIMEOUT_SECONDS: "soon",
  });
  expect(message).toContain("CLOUDFLARE_ACCOUNT_ID is not an account id");
  expect(message).toContain(
    "CLOUDFLARE_PCAP_LIVE_BUCKET is set but CLOUDFLARE_PCAP_LIVE_CHALLENGE_CMD is not",
  );
  expect(message).toContain("CLOUDFLARE_PCAP_LIVE_TIMEOUT_SECONDS must be a number");
});

it("refuses a challenge command without {filename} and an unknown switch value", () => {
  expect(
    failure({
      CLOUDFLARE_PCAP_LIVE: "1",
      CLOUDFLARE_API_TOKEN: TOKEN,
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
      CLOUDFLARE_PCAP_LIVE_BUCKET: "gs://b",
      CLOUDFLARE_PCAP_LIVE_CHALLENGE_CMD: "cat challenge.txt",
    }).message,
  ).toContain("must contain {filename}");
  expect(failure({ CLOUDFLARE_PCAP_LIVE: "yes" }).message).toContain("must be 1 or true");
});

it("reads a complete live configuration", () => {
  expect(
    resolveSuiteSettings({
      CLOUDFLARE_PCAP_LIVE: "1",
      CLOUDFLARE_API_TOKEN: TOKEN,
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
      CLOUDFLARE_PCAP_LIVE_BUCKET: "s3://my-bucket?region=us-east-1",
      CLOUDFLARE_PCAP_LIVE_CHALLENGE_CMD: 'aws s3 cp "s3://my-bucket/{filename}" -',
      CLOUDFLARE_PCAP_SHAPE_REPORT: "/reports/shape.json",
    }),
  ).toEqual({
    kind: "live",
    apiToken: TOKEN,
    accountId: ACCOUNT,
    baseUrl: undefined,
    bucket: {
      destinationConf: "s3://my-bucket?region=us-east-1",
      challengeCommand: 'aws s3 cp "s3://my-bucket/{filename}" -',
    },
    reportPath: "/reports/shape.json",
    timeoutSeconds: DEFAULT_LIVE_TIMEOUT_SECONDS,
  });
});

it("README's section documents every variable the suite reads", () => {
  const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
  const section = readme.split("## Conformance against the real API")[1]?.split("\n## ")[0] ?? "";
  for (const name of Object.values(LIVE_ENV)) expect(section).toContain(`| \`${name}\``);
});
