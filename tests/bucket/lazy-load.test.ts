/**
 * `@aws-sdk/client-s3` is an optional peer dependency, loaded only when a full capture is fetched: a
 * program that requires the package by name and downloads a simple capture loads nothing of `@aws-sdk/`.
 * Checked in a fresh Node process (jest's own module registry would hide what Node loaded).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { finishedSimpleCapture } from "../support/emulator-captures";
import { ensurePackageLink } from "../support/package-link";

let emulator: EmulatorHandle;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ timeScale: 1e-6 });
  dir = mkdtempSync(join(tmpdir(), "pcap-lazy-"));
  ensurePackageLink(dir);
});

afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

const PROGRAM = `
const pcap = require("pulumi-cloudflare-pcap");
pcap.downloadPacketCapture({ id: process.argv[2], path: "simple.pcap" }).then((result) => {
  const loaded = Object.keys(require.cache).filter((file) => file.includes("@aws-sdk"));
  process.stdout.write(JSON.stringify({ result, loaded }));
});
`;

test("a simple-capture download through the package loads no @aws-sdk module", async () => {
  const capture = await finishedSimpleCapture(emulator, 10);
  writeFileSync(join(dir, "program.js"), PROGRAM);
  // Asynchronously: the emulator answers from this process.
  const { stdout } = await promisify(execFile)(process.execPath, ["program.js", capture.id], {
    cwd: dir,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      CLOUDFLARE_API_TOKEN: emulator.token,
      CLOUDFLARE_BASE_URL: emulator.url,
      CLOUDFLARE_ACCOUNT_ID: emulator.accountId,
    },
  });
  const { result, loaded } = JSON.parse(stdout) as {
    result: { type: string; packets: number };
    loaded: string[];
  };
  expect(result).toMatchObject({ type: "simple", packets: 10 });
  expect(loaded).toEqual([]);
});

test("no declaration the package publishes imports @aws-sdk: TypeScript programs without it compile", () => {
  // tests/consumers compiles a program against the packed package; this is the same fact, in a second.
  const dist = join(__dirname, "..", "..", "dist");
  const importing = readdirSync(dist, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".d.ts"))
    .filter((file) => /(from|import\()\s*["']@aws-sdk\//.test(readFileSync(join(dist, file), "utf8")));
  expect(importing).toEqual([]);
});
