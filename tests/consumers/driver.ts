/**
 * Runs one operation of the engine stand-in inside a consumer project, as `pulumi up` / `pulumi destroy`
 * would run there: `node <consumer>/.stand-in/tests/consumers/driver.js <request.json>`.
 *
 * This file and tests/engine are compiled into the consumer's `.stand-in/` folder (consumers.test.ts), so
 * every `@pulumi/pulumi` the stand-in loads resolves from the consumer's own node_modules. That is the copy
 * the consumer's program and the installed package register their resources with, and the runtime the
 * stand-in installs its resource monitor into: one module instance, as in a real deployment.
 *
 * The outcome goes to `request.resultFile` as a DriverReport; the process exits 1 when the operation failed.
 */
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { DeploymentError, Stack, type ConfigValue, type Program, type RunResult } from "../engine";

export interface DriverRequest {
  op: "up" | "destroy";
  /** The consumer project: the program (its package.json `main`) and the plugin's working directory. */
  programDir: string;
  /** The stack's state, kept between operations like a backend's checkpoint. */
  stateFile: string;
  config: Record<string, ConfigValue>;
  resultFile: string;
}

export interface DriverReport {
  /** The real path of the `@pulumi/pulumi` the stand-in drove: it must be the consumer's. */
  sdk: string;
  /** The operation's steps and outputs; present also when a step failed. */
  result?: RunResult;
  error?: string;
}

async function run(request: DriverRequest): Promise<DriverReport> {
  const report: DriverReport = { sdk: realpathSync(require.resolve("@pulumi/pulumi")) };
  const stack = new Stack({
    programDir: request.programDir,
    config: request.config,
    stateFile: request.stateFile,
  });
  try {
    report.result =
      request.op === "up" ? await stack.up(loadProgram(request.programDir)) : await stack.destroy();
  } catch (err) {
    report.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (err instanceof DeploymentError) report.result = err.result;
  } finally {
    await stack.close();
  }
  return report;
}

/** A Pulumi program whose module exports a function, as `pulumi up` accepts it: the function is the program. */
function loadProgram(programDir: string): Program {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the consumer's compiled program, by path
  const program: unknown = require(programDir);
  if (typeof program !== "function") {
    throw new Error(`${programDir}: the program module must export a function (export = async () => {...})`);
  }
  return program as Program;
}

const requestFile = process.argv[2];
if (!requestFile) {
  console.error("usage: node driver.js <request.json>");
  process.exitCode = 2;
} else {
  const request = JSON.parse(readFileSync(requestFile, "utf8")) as DriverRequest;
  run(request).then(
    (report) => {
      writeFileSync(request.resultFile, JSON.stringify(report, null, 2));
      if (report.error) process.exitCode = 1;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
