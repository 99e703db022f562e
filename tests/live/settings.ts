/**
 * Which API the conformance suite talks to, read from the environment: the emulator by default, or
 * Cloudflare's real API when the user asks for it and names an account to use. Nothing here passes
 * silently: asking for the real API without what it needs is an error naming every missing variable.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The variables the suite reads; README "Conformance against the real API" documents them. */
export const LIVE_ENV = {
  /** `1` (or `true`) runs the scenarios against the real API; unset, empty, `0` or `false`: the emulator. */
  live: "CLOUDFLARE_PCAP_LIVE",
  apiToken: "CLOUDFLARE_API_TOKEN",
  accountId: "CLOUDFLARE_ACCOUNT_ID",
  /** Optional: another API base URL (a proxy, or an emulator started by hand). */
  baseUrl: "CLOUDFLARE_BASE_URL",
  /** Optional: a bucket's destination_conf; the bucket scenario runs only with it. */
  bucket: "CLOUDFLARE_PCAP_LIVE_BUCKET",
  /** A shell command printing the challenge file's contents; `{filename}` is replaced. Needed with a bucket. */
  challengeCommand: "CLOUDFLARE_PCAP_LIVE_CHALLENGE_CMD",
  /** Optional: longest wait for a capture to finish or a bucket to validate, in seconds (default 600). */
  timeoutSeconds: "CLOUDFLARE_PCAP_LIVE_TIMEOUT_SECONDS",
  /** Optional: where to write the shape report (a file path). */
  shapeReport: "CLOUDFLARE_PCAP_SHAPE_REPORT",
} as const;

export const DEFAULT_LIVE_TIMEOUT_SECONDS = 600;
/** Against the emulator a simple capture of a 2 s time limit is done after 2 s: 20 s is plenty. */
export const EMULATOR_TIMEOUT_SECONDS = 20;

/** Run the scenarios against a fresh emulator started by the suite. */
export interface EmulatorSettings {
  kind: "emulator";
  reportPath: string;
  timeoutSeconds: number;
}

/** Run the scenarios against the real API (or whatever `CLOUDFLARE_BASE_URL` names). */
export interface LiveSettings {
  kind: "live";
  apiToken: string;
  accountId: string;
  baseUrl: string | undefined;
  bucket: { destinationConf: string; challengeCommand: string } | undefined;
  reportPath: string;
  timeoutSeconds: number;
}

export type SuiteSettings = EmulatorSettings | LiveSettings;

/** The suite's settings are unusable; the message says which variables to set. It never holds a value. */
export class LiveSettingsError extends Error {}

/** Reads the suite's settings from `env`; throws a {@link LiveSettingsError} listing every problem. */
export function resolveSuiteSettings(env: NodeJS.ProcessEnv): SuiteSettings {
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text ? text : undefined;
  };
  const switchValue = value(LIVE_ENV.live)?.toLowerCase();
  if (switchValue !== undefined && !["1", "true", "0", "false"].includes(switchValue)) {
    throw new LiveSettingsError(
      `${LIVE_ENV.live} must be 1 or true (the real API) or 0, false or unset (the emulator)`,
    );
  }
  const live = switchValue === "1" || switchValue === "true";
  const reportPath =
    value(LIVE_ENV.shapeReport) ??
    join(tmpdir(), "pulumi-cloudflare-pcap", live ? "live-shape-report.json" : "emulator-shape-report.json");
  if (!live) return { kind: "emulator", reportPath, timeoutSeconds: EMULATOR_TIMEOUT_SECONDS };

  const problems: string[] = [];
  const missing = [LIVE_ENV.apiToken, LIVE_ENV.accountId].filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    problems.push(
      `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: an API token with the ` +
        `"Magic Firewall Packet Captures" permissions and the Enterprise account to run the scenarios in`,
    );
  }
  const accountId = value(LIVE_ENV.accountId);
  if (accountId !== undefined && !/^[0-9a-f]{32}$/.test(accountId)) {
    problems.push(`${LIVE_ENV.accountId} is not an account id (32 lowercase hexadecimal characters)`);
  }
  const destinationConf = value(LIVE_ENV.bucket);
  const challengeCommand = value(LIVE_ENV.challengeCommand);
  if (destinationConf !== undefined && challengeCommand === undefined) {
    problems.push(
      `${LIVE_ENV.bucket} is set but ${LIVE_ENV.challengeCommand} is not: a shell command that prints the ` +
        `challenge file's contents, with {filename} in place of its name ` +
        `(e.g. aws s3 cp "s3://my-bucket/{filename}" -)`,
    );
  }
  if (challengeCommand !== undefined && !challengeCommand.includes("{filename}")) {
    problems.push(
      `${LIVE_ENV.challengeCommand} must contain {filename}, where the challenge file's name goes`,
    );
  }
  const timeoutText = value(LIVE_ENV.timeoutSeconds);
  const timeoutSeconds = timeoutText === undefined ? DEFAULT_LIVE_TIMEOUT_SECONDS : Number(timeoutText);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 1) {
    problems.push(`${LIVE_ENV.timeoutSeconds} must be a number of seconds ≥ 1`);
  }
  if (problems.length > 0) {
    throw new LiveSettingsError(
      `${LIVE_ENV.live}=1 asks for the real Cloudflare API, but: ${problems.join("; ")}.`,
    );
  }
  return {
    kind: "live",
    apiToken: value(LIVE_ENV.apiToken)!,
    accountId: accountId!,
    baseUrl: value(LIVE_ENV.baseUrl),
    bucket:
      destinationConf === undefined ? undefined : { destinationConf, challengeCommand: challengeCommand! },
    reportPath,
    timeoutSeconds,
  };
}
