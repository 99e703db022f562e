/**
 * Authentication as Cloudflare answers it: malformed or missing headers are a 400 (6003 with a chain
 * naming the header), a well-formed but unknown credential or one without access to the account is a
 * 403 (10000). Credentials are compared in constant time and never appear in an answer or a log.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "./errors";
import type { CredentialGrant } from "./options";

/** Who is calling: an opaque key (for rate limiting) and the accounts it may use. */
export interface Principal {
  /** A hash of the credential, never the credential itself. */
  key: string;
  accounts: ReadonlySet<string>;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const API_KEY = /^[A-Za-z0-9]+$/;

function digest(kind: string, secret: string): Buffer {
  return createHash("sha256").update(`${kind}\0${secret}`).digest();
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

export class CredentialStore {
  private readonly entries: { digest: Buffer; principal: Principal }[] = [];

  constructor(grants: CredentialGrant[]) {
    for (const grant of grants) this.grant(grant);
  }

  /** Adds a credential (or more accounts to an existing one). */
  grant(grant: CredentialGrant): void {
    if (grant.token !== undefined) this.add(digest("token", grant.token), grant.accounts);
    if (grant.email !== undefined && grant.apiKey !== undefined) {
      this.add(digest("key", `${grant.email.toLowerCase()}\0${grant.apiKey}`), grant.accounts);
    }
  }

  private add(d: Buffer, accounts: string[]): void {
    const existing = this.entries.find((e) => timingSafeEqual(e.digest, d));
    if (existing) {
      existing.principal = {
        key: existing.principal.key,
        accounts: new Set([...existing.principal.accounts, ...accounts]),
      };
      return;
    }
    this.entries.push({
      digest: d,
      principal: { key: d.toString("hex").slice(0, 16), accounts: new Set(accounts) },
    });
  }

  /** Reads the credential headers; throws 6003 (400) when absent/malformed, 10000 (403) when unknown. */
  authenticate(headers: IncomingHttpHeaders): Principal {
    const d = this.digestFromHeaders(headers);
    // Compare against every entry so the time taken does not reveal which one matched.
    let found: Principal | undefined;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, d)) found = entry.principal;
    if (!found) throw new ApiError("authentication", "Authentication error");
    return found;
  }

  private digestFromHeaders(headers: IncomingHttpHeaders): Buffer {
    const authorization = header(headers, "authorization");
    if (authorization !== undefined) {
      const match = BEARER.exec(authorization.trim());
      if (!match)
        throw invalidHeaders("invalidAuthorizationHeader", "Invalid format for Authorization header");
      return digest("token", match[1]);
    }
    const email = header(headers, "x-auth-email");
    const key = header(headers, "x-auth-key");
    if (email === undefined && key === undefined) {
      throw invalidHeaders("missingCredentials", "Missing X-Auth-Key, X-Auth-Email or Authorization headers");
    }
    if (email === undefined || !EMAIL.test(email.trim())) {
      throw invalidHeaders("invalidEmailHeader", "Invalid format for X-Auth-Email header");
    }
    if (key === undefined || !API_KEY.test(key.trim())) {
      throw invalidHeaders("invalidKeyHeader", "Invalid format for X-Auth-Key header");
    }
    return digest("key", `${email.trim().toLowerCase()}\0${key.trim()}`);
  }
}

function invalidHeaders(
  kind: "invalidAuthorizationHeader" | "missingCredentials" | "invalidEmailHeader" | "invalidKeyHeader",
  message: string,
): ApiError {
  return new ApiError("invalidHeaders", "Invalid request headers", { chain: [{ kind, message }] });
}

/** Throws 403 (10000) unless the principal may use the account. */
export function authorizeAccount(principal: Principal, accountId: string): void {
  if (!principal.accounts.has(accountId)) throw new ApiError("authentication", "Authentication error");
}
