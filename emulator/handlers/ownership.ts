/**
 * The four bucket-ownership endpoints: register (writes the challenge file), list, validate, delete.
 */
import { randomBytes } from "node:crypto";
import { ApiError } from "../errors";
import type { Context, Reply } from "../context";
import { randomId } from "../options";
import { renderOwnership } from "../render";
import type { StoredOwnership } from "../state";
import { validateOwnershipRequest, validateValidationRequest } from "../validate";

function ok(result: unknown): Reply {
  return { kind: "json", status: 200, result };
}

export async function addOwnership(
  ctx: Context,
  accountId: string,
  body: Record<string, unknown>,
): Promise<Reply> {
  const { destinationConf } = validateOwnershipRequest(body);
  ctx.buckets.directoryOf(destinationConf);
  const account = ctx.state.account(accountId);
  if (account.ownerships.some((o) => o.destinationConf === destinationConf)) {
    throw new ApiError(
      "ownershipExists",
      `destination_conf ${destinationConf} is already registered in this account`,
      {
        pointer: "/destination_conf",
      },
    );
  }
  const now = ctx.clock.now();
  const ownership: StoredOwnership = {
    id: randomId(),
    destinationConf,
    filename: `ownership-challenge-${randomId()}.txt`,
    token: randomBytes(32).toString("hex"),
    submittedMs: now,
    status: "pending",
  };
  try {
    await ctx.buckets.writeChallenge(destinationConf, ownership.filename, ownership.token);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError("bucketUnwritable", `cannot write the challenge file to ${destinationConf}`);
  }
  account.ownerships.push(ownership);
  await ctx.persist();
  return ok(renderOwnership(ownership, now, ctx.shape));
}

export function listOwnerships(ctx: Context, accountId: string): Reply {
  const now = ctx.clock.now();
  return ok(ctx.state.account(accountId).ownerships.map((o) => renderOwnership(o, now, ctx.shape)));
}

export async function validateOwnership(
  ctx: Context,
  accountId: string,
  body: Record<string, unknown>,
): Promise<Reply> {
  const { destinationConf, challenge } = validateValidationRequest(body);
  const ownership = ctx.state
    .account(accountId)
    .ownerships.find((o) => o.destinationConf === destinationConf);
  if (!ownership) {
    throw new ApiError(
      "ownershipNotRegistered",
      `destination_conf ${destinationConf} is not registered in this account`,
      {
        pointer: "/destination_conf",
      },
    );
  }
  const now = ctx.clock.now();
  const correct =
    challenge === ownership.token || (ctx.acceptFilenameChallenge && challenge === ownership.filename);
  if (!correct) {
    // As on Cloudflare: a wrong challenge is an answer (status failed), not an HTTP error.
    ownership.status = "failed";
    delete ownership.validatedMs;
  } else if (ownership.status !== "success") {
    ownership.status = "success";
    ownership.validatedMs = now + ctx.validationDelaySeconds * 1000;
  }
  await ctx.persist();
  return ok(renderOwnership(ownership, now, ctx.shape));
}

export async function deleteOwnership(ctx: Context, accountId: string, id: string): Promise<Reply> {
  const removed = ctx.state.removeOwnership(accountId, id);
  if (!removed) throw new ApiError("ownershipNotFound", `bucket ownership ${id} not found`);
  // The challenge file goes with the registration; captured pcaps stay in the bucket.
  await ctx.buckets.removeChallenge(removed.destinationConf, removed.filename).catch(() => undefined);
  await ctx.persist();
  return { kind: "empty" };
}
