/**
 * The emulator is an independent reading of the API (DESIGN.md): it imports nothing from the client,
 * the provider or the SDK, so a misreading on one side fails a test instead of being shared by both.
 * Every module reference in emulator/ — static imports, re-exports, `import()`, `require()`, type-only
 * imports — must stay inside emulator/ or name a Node built-in or a third-party package.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const ROOT = resolve(__dirname, "..", "..");
const EMULATOR = join(ROOT, "emulator");
const OWN_PACKAGE = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string }).name;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier a file names, found by walking its syntax tree. */
function moduleReferences(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) found.push(expression.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === "require";
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const [argument] = node.arguments;
      if ((isRequire || isDynamicImport) && ts.isStringLiteralLike(argument)) found.push(argument.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) found.push(literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Why a reference from `file` breaks the emulator's independence, or undefined when it does not. */
function violation(file: string, specifier: string): string | undefined {
  if (specifier === OWN_PACKAGE || specifier.startsWith(`${OWN_PACKAGE}/`)) {
    return specifier.startsWith(`${OWN_PACKAGE}/emulator`)
      ? undefined
      : "the package's own non-emulator code";
  }
  if (!specifier.startsWith(".")) return undefined; // node:… built-ins and third-party packages
  const target = relative(EMULATOR, resolve(dirname(file), specifier));
  return target.startsWith("..")
    ? `${relative(ROOT, resolve(dirname(file), specifier))} (outside emulator/)`
    : undefined;
}

test("no emulator file imports from provider/, client/, sdk/ or anything else outside emulator/", () => {
  const files = sourceFiles(EMULATOR);
  expect(files.length).toBeGreaterThan(30);
  const problems = files.flatMap((file) =>
    moduleReferences(file, readFileSync(file, "utf8")).flatMap((specifier) => {
      const why = violation(file, specifier);
      return why ? [`${relative(ROOT, file).split(sep).join("/")}: "${specifier}" → ${why}`] : [];
    }),
  );
  expect(problems).toEqual([]);
});

test("the check sees every way TypeScript can name a module", () => {
  const sample = [
    'import { a } from "../provider/api/rules";',
    'import type { B } from "../../client/x";',
    'export { c } from "../sdk/index";',
    'import d = require("../provider/d");',
    'const e = require("../provider/e");',
    'const f = import("../provider/f");',
    'type G = import("../provider/g").G;',
    'import "node:fs";',
  ].join("\n");
  const file = join(EMULATOR, "sample.ts");
  const references = moduleReferences(file, sample);
  expect(references).toEqual([
    "../provider/api/rules",
    "../../client/x",
    "../sdk/index",
    "../provider/d",
    "../provider/e",
    "../provider/f",
    "../provider/g",
    "node:fs",
  ]);
  expect(references.map((r) => violation(file, r) !== undefined)).toEqual([
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    false,
  ]);
  expect(violation(file, `${OWN_PACKAGE}/provider`)).toBeDefined();
  expect(violation(file, "./rules")).toBeUndefined();
});
