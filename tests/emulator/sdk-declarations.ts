/**
 * What the official SDK (the installed `cloudflare` package) declares about the PCAP API's answers, read
 * from its `.d.ts` files with the TypeScript compiler API — so the emulator is checked against
 * Cloudflare's published types, not against a list someone copied by hand.
 *
 * The response type of each endpoint is followed from the method's declared return type
 * (`create(): APIPromise<PCAPCreateResponse>`, `list(): PagePromise<…, PCAPListResponse>`), through its
 * union alias, to the interfaces' property names.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";

/** The SDK's package root (its `index.js` sits there). */
const SDK_ROOT = dirname(require.resolve("cloudflare"));
const PCAPS_DIR = join(SDK_ROOT, "resources", "magic-transit", "pcaps");

/** The property names and the `status` literals of one declared interface. */
export interface DeclaredObject {
  /** Interface name, namespace-qualified (e.g. `PCAPGetResponse.MagicVisibilityPCAPsPCAPsResponseFull`). */
  name: string;
  fields: string[];
  /** The string literals `status` is declared with. */
  statuses: string[];
}

export interface DeclaredCaptureShapes {
  /** Per endpoint method (create, list, get): the simple (`PCAP`) and the full response interface. */
  byMethod: Record<"create" | "list" | "get", { simple: DeclaredObject; full: DeclaredObject }>;
  /** `PCAPFilter`, the type of `filter_v1` in answers. */
  filter: DeclaredObject;
}

export interface DeclaredOwnershipShapes {
  /** Per endpoint method (create, get = the list, validate): the ownership interface it answers with. */
  byMethod: Record<"create" | "get" | "validate", DeclaredObject>;
}

interface Declarations {
  interfaces: Map<string, ts.InterfaceDeclaration>;
  aliases: Map<string, ts.TypeAliasDeclaration>;
  classes: Map<string, ts.ClassDeclaration>;
}

function parse(file: string): Declarations {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: Declarations = { interfaces: new Map(), aliases: new Map(), classes: new Map() };
  const visit = (statements: ts.NodeArray<ts.Statement>, prefix: string) => {
    for (const statement of statements) {
      if (ts.isInterfaceDeclaration(statement)) found.interfaces.set(prefix + statement.name.text, statement);
      else if (ts.isTypeAliasDeclaration(statement))
        found.aliases.set(prefix + statement.name.text, statement);
      else if (ts.isClassDeclaration(statement) && statement.name)
        found.classes.set(prefix + statement.name.text, statement);
      else if (ts.isModuleDeclaration(statement) && statement.body && ts.isModuleBlock(statement.body))
        visit(statement.body.statements, `${prefix}${statement.name.text}.`);
    }
  };
  visit(source.statements, "");
  return found;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the cloudflare SDK's declarations have no ${what}`);
  return value;
}

/** Namespace-qualified text of a type reference's name (`A.B`), dropping an import alias (`PCAPsAPI.`). */
function referenceName(node: ts.TypeNode, known: Declarations): string {
  if (!ts.isTypeReferenceNode(node)) throw new Error(`expected a type reference, got ${node.getText()}`);
  const text = node.typeName.getText();
  if (known.interfaces.has(text) || known.aliases.has(text)) return text;
  // `PCAPsAPI.PCAPFilter` refers back to this same file through an import alias.
  return text.slice(text.indexOf(".") + 1);
}

function describeInterface(known: Declarations, name: string): DeclaredObject {
  const declaration = required(known.interfaces.get(name), `interface ${name}`);
  const fields: string[] = [];
  let statuses: string[] = [];
  for (const member of declaration.members) {
    if (!ts.isPropertySignature(member)) continue;
    const field = member.name.getText().replace(/^['"]|['"]$/g, "");
    fields.push(field);
    if (field === "status" && member.type && ts.isUnionTypeNode(member.type)) {
      statuses = member.type.types
        .filter(ts.isLiteralTypeNode)
        .map((t) => t.literal)
        .filter(ts.isStringLiteral)
        .map((l) => l.text);
    }
  }
  return { name, fields: fields.sort(), statuses };
}

/** The response type a method of `className` resolves to: the last type argument of its return type. */
function methodResponse(known: Declarations, className: string, method: string): string {
  const declaration = required(known.classes.get(className), `class ${className}`);
  const found = declaration.members.find(
    (m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText() === method,
  );
  const returned = required(found?.type, `return type of ${className}.${method}`);
  if (!ts.isTypeReferenceNode(returned) || !returned.typeArguments?.length)
    throw new Error(`${className}.${method} does not return a generic promise`);
  return referenceName(returned.typeArguments[returned.typeArguments.length - 1], known);
}

/** The interfaces a union alias (or a single interface) stands for. */
function members(known: Declarations, name: string): string[] {
  const alias = known.aliases.get(name);
  if (!alias) return [name];
  const types = ts.isUnionTypeNode(alias.type) ? alias.type.types : ts.factory.createNodeArray([alias.type]);
  return types.map((t) => referenceName(t, known));
}

export function declaredCaptureShapes(): DeclaredCaptureShapes {
  const known = parse(join(PCAPS_DIR, "pcaps.d.ts"));
  const byMethod = {} as DeclaredCaptureShapes["byMethod"];
  for (const method of ["create", "list", "get"] as const) {
    const response = methodResponse(known, "BasePCAPs", method);
    const objects = members(known, response).map((name) => describeInterface(known, name));
    // The SDK names the full capture's interface `…ResponseFull`; the other member is the simple `PCAP`.
    const full = objects.filter((o) => /Full$/.test(o.name));
    const simple = objects.filter((o) => !/Full$/.test(o.name));
    if (full.length !== 1 || simple.length !== 1)
      throw new Error(`${response} is not one simple and one full capture type`);
    byMethod[method] = { simple: simple[0], full: full[0] };
  }
  return { byMethod, filter: describeInterface(known, "PCAPFilter") };
}

export function declaredOwnershipShapes(): DeclaredOwnershipShapes {
  const known = parse(join(PCAPS_DIR, "ownership.d.ts"));
  const byMethod = {} as DeclaredOwnershipShapes["byMethod"];
  for (const method of ["create", "get", "validate"] as const) {
    const [only, ...more] = members(known, methodResponse(known, "BaseOwnershipResource", method));
    if (more.length > 0) throw new Error(`ownership ${method} answers a union`);
    byMethod[method] = describeInterface(known, only);
  }
  return { byMethod };
}
