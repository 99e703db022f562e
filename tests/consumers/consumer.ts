/**
 * A consumer project in a temporary directory: its own package.json depending on the packed tarball and
 * on @pulumi/pulumi, the program in program/, and a compiled copy of the engine stand-in (driver.ts) that
 * runs one stack operation there in a child process. Everything here runs real commands; failures carry
 * the command and the end of its output.
 */
import { execFile } from "node:child_process";
import { copyFileSync, cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ConfigValue } from "../engine";
import { repoRoot } from "../support/package-link";
import type { DriverReport, DriverRequest } from "./driver";

const REPO = repoRoot();
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
/** Where the compiled stand-in lives inside a consumer: below it, `@pulumi/pulumi` is the consumer's. */
const STAND_IN_DIR = ".stand-in";

/**
 * The environment of a user's shell: without the `npm_*` variables `npm test` exports, which pnpm and yarn
 * would read as their own settings.
 */
export function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== "INIT_CWD"),
  );
}

/** Runs a command to completion; rejects with the command line and the last lines of its output. */
export function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: userEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-40).join("\n");
        reject(
          new Error(
            `${[command, ...args].join(" ")} failed in ${cwd} (${err.message.split("\n")[0]}):\n${tail}`,
          ),
        );
      },
    );
  });
}

export interface PackedPackage {
  tarball: string;
  /** Paths inside the package, as `npm pack` listed them. */
  files: string[];
  /** The tarball unpacked: what every consumer's node_modules must hold. */
  unpacked: string;
}

/**
 * `npm pack` of the built repository into `destDir`, and the tarball unpacked next to it.
 *
 * The tarball's name carries its content's hash. yarn classic (1.22.22, TarballResolver) keeps what it
 * extracted from a `file:` tarball under a key made of the dependency's text, which it rewrites to a path
 * relative to the project: the same name in the same place would get an earlier build's files installed
 * (expectInstalledAsPacked in the test caught exactly that).
 */
export async function packPackage(destDir: string): Promise<PackedPackage> {
  if (!existsSync(join(REPO, "dist", "sdk", "index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  }
  const out = await run("npm", ["pack", "--json", "--pack-destination", destDir], REPO);
  const [info] = JSON.parse(out) as { filename: string; shasum: string; files: { path: string }[] }[];
  const tarball = join(destDir, info.filename.replace(/\.tgz$/, `-${info.shasum}.tgz`));
  renameSync(join(destDir, info.filename), tarball);
  await run("tar", ["-xzf", tarball, "-C", destDir], destDir); // npm tarballs hold one folder, package/
  return { tarball, files: info.files.map((f) => f.path), unpacked: join(destDir, "package") };
}

/** Compiles driver.ts and the engine stand-in to JavaScript in `outDir`, to be copied into consumers. */
export async function compileStandIn(outDir: string): Promise<void> {
  await run(process.execPath, [TSC, "-p", join(__dirname, "tsconfig.driver.json"), "--outDir", outDir], REPO);
}

export function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(REPO, "node_modules", name, "package.json"), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

/**
 * Writes a fresh consumer project into `dir`: the package from the tarball, @pulumi/pulumi pinned to the
 * version this repository tests with, @types/node for the TypeScript program, and the compiled stand-in.
 */
export function createConsumer(dir: string, name: string, tarball: string, standInBuild: string): void {
  const manifest = {
    name: `pcap-consumer-${name}`,
    version: "1.0.0",
    private: true,
    main: "index.js",
    dependencies: {
      "@pulumi/pulumi": installedVersion("@pulumi/pulumi"),
      "pulumi-cloudflare-pcap": `file:${tarball}`,
    },
    devDependencies: { "@types/node": installedVersion("@types/node") },
  };
  cpSync(standInBuild, join(dir, STAND_IN_DIR), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  for (const file of ["index.ts", "Pulumi.yaml"])
    copyFileSync(join(__dirname, "program", file), join(dir, file));
  // The consumer's TypeScript settings: Node's own module resolution (package.json `exports` included) and
  // a full check of every declaration file reached, the package's among them.
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "node16",
      moduleResolution: "node16",
      strict: true,
      types: ["node"],
      skipLibCheck: false,
    },
    files: ["index.ts"],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2) + "\n");
}

/** Type-checks the program against the installed package and emits index.js, as a user's build would. */
export async function compileProgram(dir: string): Promise<void> {
  await run(process.execPath, [TSC, "-p", dir], dir);
}

export interface Deployment {
  config: Record<string, ConfigValue>;
  stateFile: string;
}

/** One `up` or `destroy` of the consumer's program, by the stand-in in a child process in `dir`. */
export async function deploy(
  dir: string,
  op: DriverRequest["op"],
  deployment: Deployment,
): Promise<DriverReport> {
  const request: DriverRequest = {
    op,
    programDir: dir,
    stateFile: deployment.stateFile,
    config: deployment.config,
    resultFile: join(dir, `.${op}-result.json`),
  };
  const requestFile = join(dir, `.${op}-request.json`);
  writeFileSync(requestFile, JSON.stringify(request));
  rmSync(request.resultFile, { force: true }); // never read an earlier operation's report
  const driver = join(dir, STAND_IN_DIR, "tests", "consumers", "driver.js");
  try {
    await run(process.execPath, [driver, requestFile], dir);
  } catch (err) {
    // A failed operation still writes its report; anything else (a crash) has no report to read.
    if (!existsSync(request.resultFile)) throw err;
  }
  const report = JSON.parse(readFileSync(request.resultFile, "utf8")) as DriverReport;
  if (report.error) throw new Error(`${op} in ${dir} failed: ${report.error}`);
  return report;
}
