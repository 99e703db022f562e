/**
 * pcaps.yaml: the buckets and packet captures of a stack, declared in a file kept in the repository.
 * {@link loadPcapsFile} reads and validates it with zod; every problem found is reported at once, each
 * with the file, line and column, the entry (`captures[1] "ord-dns-full"`) and the field.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { LIMITS, parseDestination } from "pulumi-cloudflare-pcap/provider";

/** What a value must be, for messages: "must be <expected> (got <value>)", or "is required". */
function expecting(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined
      ? `is required (${expected})`
      : `must be ${expected} (got ${show(issue.input)})`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function whole(range: { min: number; max: number }) {
  const error = expecting(`a whole number from ${range.min} to ${range.max}`);
  return z.int({ error }).min(range.min, { error }).max(range.max, { error });
}

const name = z.string({ error: expecting("a name") }).regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
  error: expecting("lowercase letters, digits and dashes"),
});

const ipv4 = z.ipv4({ error: expecting("an IPv4 address") });

const PROTOCOLS = { tcp: 6, udp: 17, icmp: 1 } as const;

const filter = z.strictObject(
  {
    sourceAddress: ipv4.optional(),
    destinationAddress: ipv4.optional(),
    protocol: z
      .union([z.enum(["tcp", "udp", "icmp"]), whole(LIMITS.protocol)], {
        error: expecting("tcp, udp, icmp or an IP protocol number from 0 to 255"),
      })
      .transform((p) => (typeof p === "string" ? PROTOCOLS[p] : p))
      .optional(),
    sourcePort: whole(LIMITS.port).optional(),
    destinationPort: whole(LIMITS.port).optional(),
  },
  {
    error: expecting("a mapping of sourceAddress, destinationAddress, protocol, sourcePort, destinationPort"),
  },
);

const bucket = z.strictObject({
  name,
  destination: z
    .string({ error: expecting("a bucket URI (s3://, gs:// or r2://)") })
    .superRefine((uri, ctx) => {
      const parsed = parseDestination(uri);
      if ("error" in parsed) ctx.addIssue({ code: "custom", message: parsed.error });
    }),
});

const simpleCapture = z.strictObject({
  name,
  type: z.literal("simple"),
  timeLimit: whole(LIMITS.simpleTimeLimit),
  packetLimit: whole(LIMITS.packetLimit),
  filter: filter.optional(),
  waitForCompletion: z.boolean({ error: expecting("true or false") }).optional(),
});

const fullCapture = z.strictObject({
  name,
  type: z.literal("full"),
  /** The name of a bucket declared in `buckets`. */
  bucket: name,
  /** A data centre (`ord02`) or a city code (`ORD`). */
  colo: z
    .string({ error: expecting("a data centre such as ord02, or a city code such as ORD") })
    .regex(/^[A-Za-z0-9]{3,10}$/, {
      error: expecting("a data centre such as ord02, or a city code such as ORD"),
    }),
  timeLimit: whole(LIMITS.fullTimeLimit),
  packetLimit: whole(LIMITS.packetLimit).optional(),
  byteLimit: whole(LIMITS.byteLimit).optional(),
  filter: filter.optional(),
  /** `true` stops a running capture (a full capture cannot be resumed: back to false starts a new one). */
  stopped: z.boolean({ error: expecting("true or false") }).optional(),
  waitForCompletion: z.boolean({ error: expecting("true or false") }).optional(),
});

const capture = z.discriminatedUnion("type", [simpleCapture, fullCapture], {
  // The issue is the entry's (its input is the whole entry), reported at its "type" field.
  error: (issue) => {
    const entry = issue.input;
    const type = typeof entry === "object" && entry !== null ? (entry as { type?: unknown }).type : undefined;
    return typeof entry === "object" && entry !== null
      ? expecting('"simple" or "full"')({ input: type })
      : expecting("a capture: a mapping with name, type, timeLimit, ...")({ input: entry });
  },
});

const pcapsFile = z
  .strictObject(
    {
      buckets: z.array(bucket, { error: expecting("a list of buckets") }).default([]),
      captures: z.array(capture, { error: expecting("a list of captures") }).default([]),
    },
    { error: expecting('a mapping with the lists "buckets" and "captures"') },
  )
  .superRefine((file, ctx) => {
    // Names are Pulumi resource names: unique per kind.
    for (const kind of ["buckets", "captures"] as const) {
      const seen = new Map<string, number>();
      file[kind].forEach((entry, index) => {
        const first = seen.get(entry.name);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [kind, index, "name"],
            message: `"${entry.name}" is already the name of ${kind}[${first}]: names must be unique`,
          });
        } else seen.set(entry.name, index);
      });
    }
    const bucketNames = file.buckets.map((b) => b.name);
    file.captures.forEach((entry, index) => {
      if (entry.type === "full" && !bucketNames.includes(entry.bucket)) {
        ctx.addIssue({
          code: "custom",
          path: ["captures", index, "bucket"],
          message:
            `no bucket named "${entry.bucket}" is declared in "buckets"` +
            (bucketNames.length > 0 ? ` (declared: ${bucketNames.join(", ")})` : ""),
        });
      }
    });
  });

export type PcapsFile = z.output<typeof pcapsFile>;
export type BucketEntry = z.output<typeof bucket>;
export type CaptureEntry = z.output<typeof capture>;

/** One problem in the file. */
export interface Problem {
  line: number;
  column: number;
  /** `captures[1] "ord-dns-full"`, when the problem is inside an entry. */
  entry?: string;
  /** `timeLimit`, `filter.protocol`: the field, when there is one. */
  field?: string;
  message: string;
}

/** The file is not valid: `message` lists every problem, one per line, each naming file, entry and field. */
export class PcapsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    const lines = problems.map((p) => `${file}:${p.line}:${p.column}: ${describe(p)}`);
    super(
      problems.length === 1
        ? lines[0]
        : `${file} has ${problems.length} problems:\n${lines.map((l) => `  ${l}`).join("\n")}`,
    );
    this.name = "PcapsFileError";
  }
}

function describe(problem: Problem): string {
  const where = [problem.entry, problem.field === undefined ? undefined : `field "${problem.field}"`]
    .filter((part) => part !== undefined)
    .join(", ");
  return where === "" ? problem.message : `${where}: ${problem.message}`;
}

/** Reads and validates the file; `file` is also how messages name it. Throws {@link PcapsFileError}. */
export function loadPcapsFile(file: string): PcapsFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new PcapsFileError(file, [
      { line: 1, column: 1, message: `cannot be read: ${(err as Error).message}` },
    ]);
  }
  return parsePcapsFile(text, file);
}

/** Validates the text of a pcaps.yaml; `file` names it in messages. Throws {@link PcapsFileError}. */
export function parsePcapsFile(text: string, file: string): PcapsFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PcapsFileError(
      file,
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { line, column: col, message: `not valid YAML: ${error.message.split("\n")[0]}` };
      }),
    );
  }
  const result = pcapsFile.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  throw new PcapsFileError(
    file,
    result.error.issues.flatMap((issue) => {
      // One problem per unknown field, so each is named (with the fields allowed there).
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) =>
          problemAt(doc, lineCounter, [...issue.path, key], "is not a known field"),
        );
      }
      return [problemAt(doc, lineCounter, issue.path, issue.message)];
    }),
  );
}

/** A problem located at the YAML node of `path`, or of its nearest existing parent (a missing field). */
function problemAt(doc: Document, lineCounter: LineCounter, path: PropertyKey[], message: string): Problem {
  const keys = path.map((k) => (typeof k === "symbol" ? String(k) : k));
  let offset = 0;
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(keys.slice(0, depth), true);
    const keyNode = depth > 0 ? keyNodeOf(doc, keys.slice(0, depth)) : undefined;
    const range = (keyNode ?? node) as { range?: [number, number, number] } | undefined;
    if (range?.range) {
      offset = range.range[0];
      break;
    }
  }
  const { line, col } = lineCounter.linePos(offset);
  const problem: Problem = { line, column: col, message };
  if ((keys[0] === "buckets" || keys[0] === "captures") && typeof keys[1] === "number") {
    const entryName = doc.getIn([keys[0], keys[1], "name"]);
    problem.entry = `${keys[0]}[${keys[1]}]${typeof entryName === "string" ? ` "${entryName}"` : ""}`;
    if (keys.length > 2) problem.field = keys.slice(2).join(".");
  } else if (keys.length > 0) {
    problem.field = keys.join(".");
  }
  return problem;
}

/** The key node of a mapping entry (its line is where a person looks for the field), if there is one. */
function keyNodeOf(doc: Document, path: (string | number)[]): unknown {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = path[path.length - 1];
  return parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key;
}
