/**
 * 4. State weight.
 *
 * `__provider` characters per resource and total state bytes for 200 BucketOwnerships after an `up`
 * through the engine stand-in (the state it keeps, as the engine's checkpoint would: inputs and outputs,
 * each with its `__provider`), against naive providers that capture the API client by value (the anchor),
 * serialized with the same closure serializer `dynamic.Resource` uses.
 *
 * Anchors (transport-by-value first: it captures the rate limiter module's process-wide Map by value, and
 * the client-instance anchor would add an entry to it):
 * - client-instance: methods reference a PcapClient instance (undici Agent, zod schemas inside);
 * - provider-module: methods reference the provider module (dist/provider) by value;
 * - transport-by-value: a hand-written create that references only the zod-free parts of the client
 *   (HttpTransport, rate limiter, backoff, errors) by value — the smallest naive provider that does
 *   serialize, and with one method out of seven, a lower bound.
 * The module paths are local (not under node_modules), as they are for a `file:` or workspace dependency,
 * so the serializer copies them by value.
 */
import { join } from "node:path";
import { BucketOwnership } from "pulumi-cloudflare-pcap";
import { main, REPO, round, type BenchResult, type Figure } from "./lib/common";
import { startBenchStack } from "./lib/pcap-stack";
import { packageProviderText, serializeProvider, type ResourceKind } from "./lib/serialize";

const N = 200;

interface AnchorOutcome {
  name: string;
  ok: boolean;
  chars?: number;
  error?: string;
}

/* eslint-disable @typescript-eslint/no-require-imports -- the anchors load dist/ modules by path on purpose */
function anchors(): Array<{ name: string; make: () => object }> {
  const api = require(join(REPO, "dist/client/index.js"));
  const providerModule = require(join(REPO, "dist/provider/index.js"));
  const http = require(join(REPO, "dist/client/http.js"));
  const backoff = require(join(REPO, "dist/client/backoff.js"));
  const errors = require(join(REPO, "dist/client/errors.js"));
  const limiter = require(join(REPO, "dist/client/rate-limiter.js"));
  type Inputs = { destinationConf: string; accountId: string };
  return [
    {
      name: "transport-by-value",
      make: () => ({
        async create(inputs: Inputs) {
          const budget = limiter.parseRateLimit(process.env.CLOUDFLARE_PCAP_RATE_LIMIT ?? "1000/300");
          const rate = limiter.sharedRateLimiter("token", budget);
          const transport = new http.HttpTransport(process.env.CLOUDFLARE_BASE_URL, {
            apiToken: process.env.CLOUDFLARE_API_TOKEN,
          });
          for (;;) {
            const permit = await rate.acquire();
            const answer = await transport.send("POST", `accounts/${inputs.accountId}/pcaps/ownership`, {
              destination_conf: inputs.destinationConf,
            });
            permit.release();
            const body = JSON.parse(await answer.body.text());
            if (answer.statusCode === 429) {
              const wait = backoff.parseRetryAfter(http.headerValue(answer.headers, "retry-after")) ?? 1;
              await backoff.sleep(wait * 1000);
              continue;
            }
            if (!body.success) {
              throw new errors.PcapApiError({
                operation: "register bucket",
                status: answer.statusCode,
                errors: body.errors,
              });
            }
            return { id: body.result.id, outs: { ...inputs, status: body.result.status } };
          }
        },
      }),
    },
    {
      name: "client-instance",
      make: () => {
        const client = new api.PcapClient({
          credentials: { apiToken: "token" },
          baseUrl: "http://127.0.0.1:1",
        });
        return {
          async create(inputs: Inputs) {
            const o = await client.addOwnership(inputs.accountId, inputs.destinationConf);
            return { id: o.id, outs: { ...inputs, status: o.status } };
          },
          async delete(id: string, props: Inputs) {
            await client.deleteOwnership(props.accountId, id);
          },
        };
      },
    },
    {
      name: "provider-module",
      make: () => ({
        async check(olds: unknown, news: unknown) {
          return providerModule.providers.BucketOwnership.check(olds, news);
        },
        async create(inputs: unknown) {
          return providerModule.providers.BucketOwnership.create(inputs);
        },
        async delete(id: string, props: unknown) {
          return providerModule.providers.BucketOwnership.delete(id, props);
        },
      }),
    },
  ];
}
/* eslint-enable @typescript-eslint/no-require-imports */

async function tryAnchor(name: string, make: () => object): Promise<AnchorOutcome> {
  // Module paths are judged relative to the working directory (local → by value), as in a program.
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    const text = await serializeProvider(make());
    return { name, ok: true, chars: text.length };
  } catch (err) {
    const message = (err as Error).message;
    const reason = /which could not be serialized because\s+([^\n]+)/.exec(message)?.[1];
    const first = message.split("\n")[0];
    return { name, ok: false, error: reason ? `${first} … ${reason.trim()}` : first };
  } finally {
    process.chdir(cwd);
  }
}

async function run(): Promise<BenchResult> {
  const env = await startBenchStack({
    emulator: { rateLimit: "100000/300" },
    config: { "cloudflare-pcap:rateLimit": "100000/300" },
  });
  let stateBytes: number;
  let providerChars: number[];
  let inputsOutputsChars: number;
  try {
    await env.stack.up(async () => {
      for (let i = 0; i < N; i++) {
        new BucketOwnership(`bucket-${i}`, { destinationConf: `s3://weight-bucket-${i}?region=us-east-1` });
      }
    });
    const state = env.stack.state;
    stateBytes = Buffer.byteLength(JSON.stringify(state));
    const resources = state.resources.filter((r) => r.custom);
    if (resources.length !== N) throw new Error(`${resources.length} resources in state`);
    providerChars = resources.flatMap((r) => [
      String(r.inputs.__provider ?? "").length,
      String(r.outputs.__provider ?? "").length,
    ]);
    inputsOutputsChars = resources.reduce(
      (a, r) => a + JSON.stringify(r.inputs).length + JSON.stringify(r.outputs).length,
      0,
    );
    await env.stack.destroy();
  } finally {
    await env.close();
  }
  const perCopy = Math.max(...providerChars);
  const perResource = perCopy * 2;
  const kinds: Record<ResourceKind, number> = {
    BucketOwnership: (await packageProviderText("BucketOwnership")).length,
    BucketOwnershipValidation: (await packageProviderText("BucketOwnershipValidation")).length,
    PacketCapture: (await packageProviderText("PacketCapture")).length,
  };
  const outcomes: AnchorOutcome[] = [];
  for (const anchor of anchors()) outcomes.push(await tryAnchor(anchor.name, anchor.make));
  const serializable = outcomes.find((o) => o.ok);
  const anchorStateBytes = serializable?.chars
    ? stateBytes + N * 2 * (serializable.chars - perCopy)
    : undefined;

  const figures: Figure[] = [
    {
      bench: "4 state",
      name: "__provider characters per resource (one copy)",
      value: perCopy,
      target: "≤ 2500",
      pass: perCopy <= 2500,
      note: `state keeps two copies (${perResource}); ${Object.entries(kinds)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    },
    {
      bench: "4 state",
      name: `  state for ${N} BucketOwnerships`,
      value: `${round(stateBytes / 1024, 1)} KiB`,
      note: `${Math.round(stateBytes / N)} B per resource; __provider is ${Math.round(((perResource * N) / stateBytes) * 100)}% of it`,
    },
    ...outcomes.map((o): Figure => ({
      bench: "4 state",
      name: `  anchor ${o.name}`,
      value: o.ok ? o.chars! : "fails to serialize",
      note: o.ok ? `${round(o.chars! / perCopy, 1)}× the package's __provider` : o.error,
    })),
    ...(anchorStateBytes
      ? [
          {
            bench: "4 state",
            name: `  anchor transport-by-value: state for ${N}`,
            value: `${round(anchorStateBytes / 1024, 1)} KiB`,
            note: "computed: the package's state with both __provider copies swapped",
          } satisfies Figure,
        ]
      : []),
  ];
  return {
    bench: "state",
    figures,
    details: {
      n: N,
      providerCharsPerCopy: perCopy,
      providerCharsPerResource: perResource,
      providerCharsByKind: kinds,
      stateBytes,
      inputsOutputsChars,
      anchors: outcomes,
      anchorStateBytesComputed: anchorStateBytes,
    },
  };
}

if (require.main === module) main(run);
