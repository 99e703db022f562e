/** How the client authenticates. An API token is preferred; the global key is Cloudflare's legacy way. */
export type Credentials = { apiToken: string } | { email: string; apiKey: string };

/** The request headers that carry the credentials. */
export function authHeaders(credentials: Credentials): Record<string, string> {
  if ("apiToken" in credentials) return { authorization: `Bearer ${credentials.apiToken}` };
  return { "x-auth-email": credentials.email, "x-auth-key": credentials.apiKey };
}

/** The secret strings of a credential set, for redaction. The email is not a secret. */
export function secretsOf(credentials: Credentials): string[] {
  return "apiToken" in credentials ? [credentials.apiToken] : [credentials.apiKey];
}
