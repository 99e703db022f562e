/**
 * The resource monitor the program's SDK talks to (installed with `setMockOptions`, the hook `setMocks`
 * uses). Unlike the SDK's MockMonitor it sees whole requests, so resource options (deleteBeforeReplace,
 * additionalSecretOutputs, dependencies, ...) reach the stand-in. It only translates; the engine decides.
 */
import type * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { resultCode } from "./result-code";
import { Struct, status } from "./sdk-modules";
import type { Registration } from "./types";
import type { PropertyMap } from "./wire";

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** Features the monitor reports. Secrets on; resource references and output values off, so inputs arrive as
 * plain values (ids/urns) exactly as a provider that does not accept them would get them. */
const FEATURES = new Set(["secrets", "aliasSpecs"]);

/**
 * `fail`/`skip` answer a registration whose step failed, or that came after a failed step, the way the
 * engine does for programs that support result reporting (the Node SDK does): the SDK resolves the
 * resource's outputs as unknown instead of rejecting promises the program may never await.
 */
export interface Registered {
  id: string;
  outputs: PropertyMap;
  result?: "fail" | "skip";
}

export interface MonitorTarget {
  register(reg: Registration): Promise<Registered>;
  registerOutputs(urn: string, outputs: PropertyMap): void;
  invoke(token: string, args: structproto.Struct, provider: string): Promise<structproto.Struct>;
}

type Callback<T> = (err: Error | null, res?: T) => void;

export class EngineMonitor {
  constructor(
    private readonly target: MonitorTarget,
    private readonly project: string,
    private readonly stack: string,
  ) {}

  urn(type: string, name: string, parent?: string): string {
    // A child's type is qualified by its parent's (`parent$child`), except under the root stack.
    const parentType = parent?.split("::")[2];
    const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${this.stack}::${this.project}::${qualified}::${name}`;
  }

  supportsFeature(
    req: resproto.SupportsFeatureRequest,
    callback: Callback<resproto.SupportsFeatureResponse>,
  ): void {
    const res = new resproto.SupportsFeatureResponse();
    res.setHassupport(FEATURES.has(req.getId()));
    callback(null, res);
  }

  registerResource(
    req: resproto.RegisterResourceRequest,
    callback: Callback<resproto.RegisterResourceResponse>,
  ): void {
    const parent = req.getParent() || undefined;
    const reg: Registration = {
      urn: this.urn(req.getType(), req.getName(), parent),
      type: req.getType(),
      name: req.getName(),
      parent,
      custom: req.getCustom(),
      inputs: toMap(req.getObject()),
      dependencies: req.getDependenciesList(),
      deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      protect: req.getProtect() || undefined,
      retainOnDelete: req.getRetainondelete() || undefined,
      provider: req.getProvider(),
      importId: req.getImportid() || undefined,
    };
    this.target.register(reg).then(
      ({ id, outputs, result }) => {
        const res = new resproto.RegisterResourceResponse();
        res.setUrn(reg.urn);
        res.setId(id);
        res.setObject(Struct.fromJavaScript(outputs));
        res.setResult(resultCode(result));
        callback(null, res);
      },
      (err: unknown) => callback(asError(err)),
    );
  }

  readResource(req: resproto.ReadResourceRequest, callback: Callback<resproto.ReadResourceResponse>): void {
    const parent = req.getParent() || undefined;
    const reg: Registration = {
      urn: this.urn(req.getType(), req.getName(), parent),
      type: req.getType(),
      name: req.getName(),
      parent,
      custom: true,
      inputs: toMap(req.getProperties()),
      dependencies: req.getDependenciesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      ignoreChanges: [],
      replaceOnChanges: [],
      provider: req.getProvider(),
      readId: req.getId(),
    };
    this.target.register(reg).then(
      ({ outputs }) => {
        const res = new resproto.ReadResourceResponse();
        res.setUrn(reg.urn);
        res.setProperties(Struct.fromJavaScript(outputs));
        callback(null, res);
      },
      (err: unknown) => callback(asError(err)),
    );
  }

  registerResourceOutputs(req: resproto.RegisterResourceOutputsRequest, callback: Callback<object>): void {
    this.target.registerOutputs(req.getUrn(), toMap(req.getOutputs()));
    callback(null, {});
  }

  invoke(req: resproto.ResourceInvokeRequest, callback: Callback<provproto.InvokeResponse>): void {
    const args = req.getArgs() ?? new Struct();
    this.target.invoke(req.getTok(), args, req.getProvider()).then(
      (ret) => {
        const res = new provproto.InvokeResponse();
        res.setReturn(ret);
        callback(null, res);
      },
      (err: unknown) => callback(asError(err)),
    );
  }

  /**
   * SDKs since about 3.27x ask here first for every feature at once (DeploymentInfo); an engine without
   * this RPC answers UNIMPLEMENTED and the SDK asks `supportsFeature` one feature at a time, which every
   * supported SDK does. So one monitor serves them all, without DeploymentInfo, absent from older protos.
   */
  getDeploymentInfo(_req: unknown, callback: Callback<never>): void {
    callback(
      Object.assign(new Error("GetDeploymentInfo is not implemented"), { code: status.UNIMPLEMENTED }),
    );
  }

  call(_req: unknown, callback: Callback<never>): void {
    callback(new Error("the engine stand-in does not support method calls on component resources"));
  }

  registerPackage(_req: unknown, callback: Callback<never>): void {
    callback(new Error("the engine stand-in does not support parameterized packages"));
  }
}

function toMap(s: structproto.Struct | undefined): PropertyMap {
  return (s ? s.toJavaScript() : {}) as PropertyMap;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
