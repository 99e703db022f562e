/**
 * Maps method + path to one of the nine endpoints. An unknown path or a method the path does not
 * support is 404 code 7000; a known shape whose account, pcap or ownership id is not 32 lowercase hex
 * is 400 code 7003, as Cloudflare answers it.
 */
import { ApiError } from "./errors";
import type { RouteKey } from "./counts";
import { ID_PATTERN } from "./options";

export const API_PREFIX = "/client/v4";

export interface RouteMatch {
  key: RouteKey;
  accountId: string;
  /** The pcap or ownership id, for the routes that have one. */
  id?: string;
}

interface RouteDef {
  method: string;
  /** Segments after `/pcaps`; ":id" is a placeholder. */
  shape: string[];
  key: RouteKey;
}

// Literal shapes come before placeholder ones, so `/pcaps/ownership` is never read as a pcap id.
const ROUTES: RouteDef[] = [
  { method: "POST", shape: [], key: "POST /pcaps" },
  { method: "GET", shape: [], key: "GET /pcaps" },
  { method: "POST", shape: ["ownership"], key: "POST /pcaps/ownership" },
  { method: "GET", shape: ["ownership"], key: "GET /pcaps/ownership" },
  { method: "POST", shape: ["ownership", "validate"], key: "POST /pcaps/ownership/validate" },
  { method: "DELETE", shape: ["ownership", ":id"], key: "DELETE /pcaps/ownership/:id" },
  { method: "GET", shape: [":id"], key: "GET /pcaps/:id" },
  { method: "GET", shape: [":id", "download"], key: "GET /pcaps/:id/download" },
  { method: "PUT", shape: [":id", "stop"], key: "PUT /pcaps/:id/stop" },
];

/** The path without its query string. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const q = raw.search(/[?#]/);
  return q < 0 ? raw : raw.slice(0, q);
}

function shapeMatches(shape: string[], segments: string[]): boolean {
  return shape.length === segments.length && shape.every((s, i) => s === ":id" || s === segments[i]);
}

/** The route key ("OTHER" when none matched) and either the match or the error to answer with. */
export type RouteResult =
  | { key: RouteKey | "OTHER"; match: RouteMatch; error?: undefined }
  | { key: RouteKey | "OTHER"; match?: undefined; error: ApiError };

/** Returns rather than throws, so the caller can count the request under its route before answering. */
export function matchRoute(method: string, path: string): RouteResult {
  const noRoute = { key: "OTHER" as const, error: new ApiError("noRoute", "No route for that URI") };
  const parts = path.split("/");
  // "", "client", "v4", "accounts", <account>, "pcaps", ...rest
  if (parts.length < 6 || parts[0] !== "" || `/${parts[1]}/${parts[2]}` !== API_PREFIX) return noRoute;
  if (parts[3] !== "accounts" || parts[5] !== "pcaps") return noRoute;
  const accountId = parts[4];
  const rest = parts.slice(6);
  const route = ROUTES.find((r) => r.method === method && shapeMatches(r.shape, rest));
  if (!route) return noRoute;
  const idIndex = route.shape.indexOf(":id");
  const id = idIndex >= 0 ? rest[idIndex] : undefined;
  if (!ID_PATTERN.test(accountId) || (id !== undefined && !ID_PATTERN.test(id))) {
    const shown = path.length > 200 ? `${path.slice(0, 197)}...` : path;
    const message = `Could not route to ${shown}, perhaps your object identifier is invalid?`;
    return { key: route.key, error: new ApiError("invalidIdentifier", message) };
  }
  return {
    key: route.key,
    match: id === undefined ? { key: route.key, accountId } : { key: route.key, accountId, id },
  };
}
