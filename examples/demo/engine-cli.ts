/**
 * Runs the bucket-onboarding program with the Pulumi CLI, through the Automation API: a throwaway stack
 * in a `file://` backend in a temporary directory, secrets encrypted with a throwaway passphrase. Used
 * when `pulumi` is on PATH.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { LocalWorkspace, type EngineEvent } from "@pulumi/pulumi/automation";
import { shortType, type Engine, type EngineSettings, type Step } from "./engine";

/** The `pulumi` executable on PATH, if any. */
export function pulumiOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const extensions = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD").split(";") : [""];
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    for (const ext of extensions) {
      const candidate = join(dir, `pulumi${ext}`);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export async function cliEngine(settings: EngineSettings): Promise<Engine> {
  const backendDir = mkdtempSync(join(tmpdir(), "pcap-demo-backend-"));
  const removeBackend = () => rmSync(backendDir, { recursive: true, force: true });
  try {
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: settings.stackName, workDir: settings.programDir },
      {
        envVars: {
          PULUMI_BACKEND_URL: `file://${backendDir}`,
          PULUMI_CONFIG_PASSPHRASE: "pulumi-cloudflare-pcap demo: a throwaway passphrase",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          // ts-node only transpiles (faster); `npm test` type-checks the examples (tests/examples/typecheck.test.ts).
          PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        },
      },
    );
    await stack.setAllConfig(settings.config);
    const version = stack.workspace.pulumiVersion;

    /** Collects one step per resource from the engine's events (pre-events for every step, outputs when reported). */
    const collector = () => {
      const steps = new Map<string, Step>();
      const onEvent = (event: EngineEvent) => {
        const pre = event.resourcePreEvent?.metadata;
        const post = event.resOutputsEvent?.metadata;
        const metadata = pre ?? post;
        if (!metadata || !metadata.type.startsWith("pulumi-nodejs:dynamic")) return;
        const step = steps.get(metadata.urn) ?? {
          op: metadata.op,
          type: shortType(metadata.type),
          name: metadata.urn.slice(metadata.urn.lastIndexOf("::") + 2),
          outputs: {},
        };
        const state = metadata.new ?? metadata.old;
        if (state?.outputs) step.outputs = state.outputs;
        steps.set(metadata.urn, step);
      };
      return { onEvent, steps: () => [...steps.values()] };
    };

    return {
      description: `the Pulumi CLI ${version} (Automation API; file:// backend in ${backendDir}, a throwaway passphrase)`,
      async up() {
        const { onEvent, steps } = collector();
        const result = await stack.up({ onEvent, color: "never" });
        const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
        return { steps: steps(), outputs };
      },
      async destroy() {
        const { onEvent, steps } = collector();
        await stack.destroy({ onEvent, color: "never" });
        return { steps: steps(), outputs: {} };
      },
      async close() {
        try {
          // --force: after a failed run the stack may still hold resources; its backend is thrown away anyway.
          await stack.workspace.removeStack(settings.stackName, { force: true });
        } finally {
          rmSync(join(settings.programDir, `Pulumi.${settings.stackName}.yaml`), { force: true });
          removeBackend();
        }
      },
    };
  } catch (err) {
    removeBackend();
    throw err;
  }
}
