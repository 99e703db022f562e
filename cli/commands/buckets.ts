/**
 * `buckets list|add|validate|delete`: the buckets full captures are written to. Registering is two
 * steps because Cloudflare proves ownership by writing a challenge file into the bucket: `add` says
 * where the file is and prints the `validate` command to run with its token.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { BucketOwnership } from "../../client";
import type {
  BucketDeleteInvocation,
  BucketInvocation,
  BucketValidateInvocation,
  ListInvocation,
} from "../args";
import { CommandError, type CliIo } from "../io";
import { printJson } from "../output";
import { quoteForShell } from "../format";
import { withSession } from "../session";
import { OWNERSHIP_COLUMNS, section } from "./list";
import { logTo } from "./get";

export async function bucketsList(invocation: ListInvocation, io: CliIo): Promise<number> {
  const ownerships = await withSession(io.env, invocation.account, logTo(io), ({ client, accountId }) =>
    client.listOwnerships(accountId),
  );
  if (invocation.json) printJson(io, { ownerships });
  else io.stdout.write(section("Bucket ownerships", OWNERSHIP_COLUMNS, ownerships, io.columns));
  return 0;
}

export async function bucketsAdd(invocation: BucketInvocation, io: CliIo, program: string): Promise<number> {
  const ownership = await withSession(io.env, invocation.account, logTo(io), ({ client, accountId }) =>
    client.addOwnership(accountId, invocation.destinationConf),
  );
  if (invocation.json) {
    printJson(io, ownership);
    return 0;
  }
  io.stdout.write(
    `${describe(ownership)}\n` +
      `Cloudflare wrote the challenge file ${ownership.filename} into the bucket. Download it and run:\n` +
      `  ${program} buckets validate ${quoteForShell(ownership.destinationConf)} --challenge @${ownership.filename}\n`,
  );
  return 0;
}

export async function bucketsValidate(invocation: BucketValidateInvocation, io: CliIo): Promise<number> {
  // Read before any request: a missing file is reported without touching the API.
  const token = await challengeToken(invocation.challenge, io);
  const ownership = await withSession(io.env, invocation.account, logTo(io), ({ client, accountId }) =>
    client.validateOwnership(accountId, invocation.destinationConf, token),
  );
  if (ownership.status === "failed") {
    throw new CommandError(
      "buckets validate",
      `${invocation.destinationConf} failed validation (ownership ${ownership.id}): check the token is the ` +
        `whole content of ${ownership.filename}, or delete the registration and add the bucket again`,
    );
  }
  if (invocation.json) printJson(io, ownership);
  else io.stdout.write(`${describe(ownership)}\n`);
  return 0;
}

export async function bucketsDelete(invocation: BucketDeleteInvocation, io: CliIo): Promise<number> {
  const deleted = await withSession(io.env, invocation.account, logTo(io), async ({ client, accountId }) => {
    const { target } = invocation;
    if ("id" in target) {
      await client.deleteOwnership(accountId, target.id);
      return { id: target.id };
    }
    // The API deletes by id only: find the registration of that bucket.
    const ownerships = await client.listOwnerships(accountId);
    const found = ownerships.find((o) => o.destinationConf === target.destinationConf);
    if (!found) {
      const known = ownerships.map((o) => o.destinationConf).join(", ") || "none";
      throw new CommandError(
        "buckets delete",
        `no bucket registration for ${target.destinationConf} in account ${accountId} (registered: ${known})`,
      );
    }
    await client.deleteOwnership(accountId, found.id);
    return { id: found.id, destinationConf: found.destinationConf };
  });
  if (invocation.json) printJson(io, { deleted });
  else
    io.stdout.write(
      `deleted bucket registration ${deleted.id}${"destinationConf" in deleted ? ` (${deleted.destinationConf})` : ""}\n`,
    );
  return 0;
}

function describe(ownership: BucketOwnership): string {
  return `${ownership.destinationConf}: ownership ${ownership.id}, status ${ownership.status}`;
}

/** The token as given, or read from `@file` (relative to the working directory), trailing newline dropped. */
async function challengeToken(challenge: BucketValidateInvocation["challenge"], io: CliIo): Promise<string> {
  if ("token" in challenge) return challenge.token;
  const path = resolve(io.cwd ?? process.cwd(), challenge.file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CommandError(
      "read challenge file",
      `read challenge file ${challenge.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; give the file Cloudflare wrote into the bucket, or the token itself`,
    );
  }
  const token = text.trim();
  if (token === "") {
    throw new CommandError("read challenge file", `read challenge file ${challenge.file}: it is empty`);
  }
  return token;
}
