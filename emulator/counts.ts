/**
 * Request counting per route and per answer, so tests can assert how a client behaved: how many calls a
 * `pulumi up` made, or that no 429 was ever served.
 */

/** The route keys `requestCounts()` uses; requests matching no route count as "OTHER". */
export const ROUTE_KEYS = [
  "POST /pcaps",
  "GET /pcaps",
  "GET /pcaps/:id",
  "GET /pcaps/:id/download",
  "PUT /pcaps/:id/stop",
  "POST /pcaps/ownership",
  "GET /pcaps/ownership",
  "POST /pcaps/ownership/validate",
  "DELETE /pcaps/ownership/:id",
] as const;

/** A route, as the request counters name it (e.g. `POST /pcaps`). */
export type RouteKey = (typeof ROUTE_KEYS)[number];

/** An HTTP status, or how a fault ended the exchange without one. */
export type Outcome = number | "reset" | "dropped";

export class RequestCounter {
  private routes = new Map<string, number>();
  private outcomes = new Map<string, number>();

  request(route: string): void {
    this.routes.set(route, (this.routes.get(route) ?? 0) + 1);
  }

  outcome(outcome: Outcome): void {
    const key = String(outcome);
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  /** Requests per route key; routes never called are absent. */
  byRoute(): Record<string, number> {
    return Object.fromEntries(this.routes);
  }

  /** Answers per status ("200", "429", ...) plus "reset" and "dropped" for destroyed connections. */
  byOutcome(): Record<string, number> {
    return Object.fromEntries(this.outcomes);
  }

  reset(): void {
    this.routes.clear();
    this.outcomes.clear();
  }
}
