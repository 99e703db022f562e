/**
 * The SDK's own dynamic-provider plugin (`@pulumi/pulumi/cmd/dynamic-provider`), spawned and driven over
 * gRPC exactly as the engine does: same argument shape, same working directory, same request messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as readline from "node:readline";
import type * as grpc from "@grpc/grpc-js";
import type * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import { Metadata, Struct, credentials } from "./sdk-modules";
import type { PropertyMap } from "./wire";

/** Error raised by a provider method, decoded from the gRPC status. */
export class ProviderError extends Error {
  constructor(
    /** The provider's own message (the gRPC status details). */
    message: string,
    readonly method: string,
    /**
     * Present when the provider reported a partial failure: the object exists (it has an id) but did not
     * finish initialising. Decoded from `pulumirpc.ErrorResourceInitFailed` in `grpc-status-details-bin`.
     */
    readonly initFailure?: { id: string; properties: PropertyMap; reasons: string[] },
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

export interface PluginOptions {
  /** Working directory of the plugin: the program directory (serialized `require`s resolve from here). */
  cwd: string;
  /** Extra environment variables for the plugin process (on top of this process's environment). */
  env?: Record<string, string>;
  /** Deadline for each call, in ms. */
  callTimeoutMs?: number;
}

export interface DiffResult {
  changes: "some" | "none" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
  diffs: string[];
}

export interface CheckResult {
  inputs: PropertyMap;
  failures: { property: string; reason: string }[];
}

type Unary<Req, Res> = (
  req: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (err: grpc.ServiceError | null, res?: Res) => void,
) => grpc.ClientUnaryCall;

type Unrefable = { unref?: () => void };

const INIT_FAILED = "pulumirpc.ErrorResourceInitFailed";

/**
 * The plugin watches its stdin: when this process dies, however abruptly, the pipe closes and the plugin
 * exits, so no plugin outlives its test run.
 */
const WATCHDOG = "data:text/javascript,process.stdin.on('end',()=>process.exit(0));process.stdin.resume();";

function struct(m: PropertyMap): structproto.Struct {
  return Struct.fromJavaScript(m);
}

function plain(s: structproto.Struct | undefined): PropertyMap {
  return (s ? s.toJavaScript() : {}) as PropertyMap;
}

export class DynamicProviderPlugin {
  /** Lines the plugin printed on stdout (after the port line) and stderr. */
  readonly log: string[] = [];
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: provrpc.ResourceProviderClient,
    private readonly callTimeoutMs: number,
    private readonly exited: Promise<void>,
  ) {}

  /** Spawns the plugin and connects to the port it prints on its first stdout line. */
  static async start(opts: PluginOptions): Promise<DynamicProviderPlugin> {
    const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
    // The engine passes its own address; the plugin only checks that an argument is present.
    const child = spawn(process.execPath, ["--import", WATCHDOG, script, "127.0.0.1:1"], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const early: string[] = [];
    const stderr = readline.createInterface({ input: child.stderr! });
    stderr.on("line", (line) => early.push(line));
    const stdout = readline.createInterface({ input: child.stdout! });
    let port: string;
    try {
      port = await new Promise<string>((resolve, reject) => {
        stdout.once("line", resolve);
        child.once("error", reject);
        child.once("exit", (code) =>
          reject(
            new Error(`dynamic-provider exited (${code}) before printing its port:\n${early.join("\n")}`),
          ),
        );
      });
    } catch (e) {
      child.kill("SIGKILL");
      throw e;
    }
    if (!/^\d+$/.test(port.trim())) {
      child.kill("SIGKILL");
      throw new Error(`dynamic-provider printed ${JSON.stringify(port)} instead of a port`);
    }
    // Do not keep this process alive for an idle plugin; the watchdog ends it when this process exits.
    for (const handle of [child, child.stdin, child.stdout, child.stderr])
      (handle as Unrefable | null)?.unref?.();
    const client = new provrpc.ResourceProviderClient(
      `127.0.0.1:${port.trim()}`,
      credentials.createInsecure(),
    );
    const plugin = new DynamicProviderPlugin(child, client, opts.callTimeoutMs ?? 120_000, exited);
    plugin.log.push(...early);
    stderr.removeAllListeners("line");
    stderr.on("line", (line) => plugin.log.push(line));
    stdout.on("line", (line) => plugin.log.push(line));
    return plugin;
  }

  /** Configure, as the engine sends it for the `pulumi-nodejs` default provider: the whole stack config. */
  async configure(config: PropertyMap, variables: Record<string, string>): Promise<void> {
    const req = new provproto.ConfigureRequest();
    req.setArgs(struct(config));
    for (const [k, v] of Object.entries(variables)) req.getVariablesMap().set(k, v);
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    await this.call("configure", this.client.configure.bind(this.client), req);
  }

  async check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<CheckResult> {
    const req = new provproto.CheckRequest();
    setTarget(req, urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const res = await this.call("check", this.client.check.bind(this.client), req);
    return {
      inputs: plain(res.getInputs()),
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(
    urn: string,
    id: string,
    oldInputs: PropertyMap,
    oldOutputs: PropertyMap,
    news: PropertyMap,
  ): Promise<DiffResult> {
    const req = new provproto.DiffRequest();
    setTarget(req, urn);
    req.setId(id);
    req.setOldInputs(struct(oldInputs));
    req.setOlds(struct(oldOutputs));
    req.setNews(struct(news));
    const res = await this.call("diff", this.client.diff.bind(this.client), req);
    const C = provproto.DiffResponse.DiffChanges;
    const changes = res.getChanges();
    return {
      changes: changes === C.DIFF_SOME ? "some" : changes === C.DIFF_NONE ? "none" : "unknown",
      replaces: res.getReplacesList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
      diffs: res.getDiffsList(),
    };
  }

  async create(urn: string, properties: PropertyMap): Promise<{ id: string; properties: PropertyMap }> {
    const req = new provproto.CreateRequest();
    setTarget(req, urn);
    req.setProperties(struct(properties));
    const res = await this.call("create", this.client.create.bind(this.client), req);
    return { id: res.getId(), properties: plain(res.getProperties()) };
  }

  async read(
    urn: string,
    id: string,
    state: PropertyMap,
    inputs: PropertyMap,
  ): Promise<{ id: string; properties: PropertyMap; inputs?: PropertyMap }> {
    const req = new provproto.ReadRequest();
    setTarget(req, urn);
    req.setId(id);
    req.setProperties(struct(state));
    req.setInputs(struct(inputs));
    const res = await this.call("read", this.client.read.bind(this.client), req);
    const newInputs = res.getInputs();
    return {
      id: res.getId(),
      properties: plain(res.getProperties()),
      ...(newInputs ? { inputs: plain(newInputs) } : {}),
    };
  }

  async update(
    urn: string,
    id: string,
    oldInputs: PropertyMap,
    oldOutputs: PropertyMap,
    news: PropertyMap,
  ): Promise<PropertyMap> {
    const req = new provproto.UpdateRequest();
    setTarget(req, urn);
    req.setId(id);
    req.setOldInputs(struct(oldInputs));
    req.setOlds(struct(oldOutputs));
    req.setNews(struct(news));
    const res = await this.call("update", this.client.update.bind(this.client), req);
    return plain(res.getProperties());
  }

  async delete(urn: string, id: string, oldInputs: PropertyMap, outputs: PropertyMap): Promise<void> {
    const req = new provproto.DeleteRequest();
    setTarget(req, urn);
    req.setId(id);
    req.setOldInputs(struct(oldInputs));
    req.setProperties(struct(outputs));
    await this.call("delete", this.client.delete.bind(this.client), req);
  }

  /** Closes the connection and kills the process (idempotent). */
  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    await this.exited;
    clearTimeout(timer);
  }

  private call<Req, Res>(method: string, fn: Unary<Req, Res>, req: Req): Promise<Res> {
    const deadline = new Date(Date.now() + this.callTimeoutMs);
    return new Promise<Res>((resolve, reject) => {
      fn(req, new Metadata(), { deadline }, (err, res) => {
        if (err) reject(decodeError(method, err));
        else if (res === undefined) reject(new ProviderError(`${method} returned no response`, method));
        else resolve(res);
      });
    });
  }
}

function setTarget(
  req: { setUrn(v: string): unknown; setName(v: string): unknown; setType(v: string): unknown },
  urn: string,
) {
  const parts = urn.split("::");
  req.setUrn(urn);
  req.setName(parts[3] ?? "");
  req.setType((parts[2] ?? "").split("$").pop() ?? "");
}

/** Turns a gRPC error into the provider's message, decoding an ErrorResourceInitFailed detail if present. */
function decodeError(method: string, err: grpc.ServiceError): ProviderError {
  const message = err.details || err.message;
  for (const raw of err.metadata?.get("grpc-status-details-bin") ?? []) {
    const bytes = typeof raw === "string" ? Buffer.from(raw, "base64") : raw;
    for (const detail of statusproto.Status.deserializeBinary(bytes).getDetailsList()) {
      const failed = detail.unpack(provproto.ErrorResourceInitFailed.deserializeBinary, INIT_FAILED);
      if (failed) {
        return new ProviderError(message, method, {
          id: failed.getId(),
          properties: plain(failed.getProperties()),
          reasons: failed.getReasonsList(),
        });
      }
    }
  }
  return new ProviderError(message, method);
}
