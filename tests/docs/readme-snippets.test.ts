/**
 * Every TypeScript snippet in the README compiles against the package's real types, so the
 * documentation cannot drift from the API. Snippets are fragments: each is compiled as its own module
 * with the package imports and the few free names the prose supplies (a capture id, an account id, the
 * AWS/GCP providers a user would install) declared up front.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as ts from "typescript";

const REPO = resolve(__dirname, "../..");

const PRELUDE = `
import * as pulumi from "@pulumi/pulumi";
import * as pcap from "pulumi-cloudflare-pcap";
declare const id: string;
declare const accountId: string;
declare const challengeTextReadFromTheBucket: pulumi.Input<string>;
declare const aws: { s3: { getObjectOutput(args: { bucket: string; key: pulumi.Input<string> }): { body: pulumi.Output<string> } } };
declare const gcp: { storage: { getBucketObjectContentOutput(args: { bucket: string; name: pulumi.Input<string> }): { content: pulumi.Output<string> } } };
`;

function snippets(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** The snippet without the imports the prelude already makes. */
function body(snippet: string): string {
  return snippet
    .split("\n")
    .filter(
      (line) => !/^import \* as (pulumi|pcap) from "(@pulumi\/pulumi|pulumi-cloudflare-pcap)";$/.test(line),
    )
    .join("\n");
}

it("every ```ts snippet of the README type-checks", () => {
  const found = snippets(readFileSync(join(REPO, "README.md"), "utf8"));
  expect(found.length).toBeGreaterThanOrEqual(4);
  const files = new Map(
    found.map((s, i) => [join(REPO, `__readme_snippet_${i}.ts`), `${PRELUDE}\n${body(s)}\nexport {};\n`]),
  );
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: ["node"],
    baseUrl: REPO,
    paths: {
      "pulumi-cloudflare-pcap": ["sdk/index.ts"],
      "pulumi-cloudflare-pcap/provider": ["provider/index.ts"],
      "pulumi-cloudflare-pcap/emulator": ["emulator/index.ts"],
    },
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (file) => files.get(file) ?? read(file);
  const exists = host.fileExists.bind(host);
  host.fileExists = (file) => files.has(file) || exists(file);
  const program = ts.createProgram([...files.keys()], options, host);
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && files.has(d.file.fileName))
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      const snippet = [...files.keys()].indexOf(d.file!.fileName);
      return `snippet ${snippet + 1}, line ${line + 1 - PRELUDE.split("\n").length}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  expect(problems).toEqual([]);
}, 60_000);
