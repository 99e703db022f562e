/**
 * What the suite made in the account, and its removal whatever happened to the scenarios. Bucket
 * registrations are deleted; captures cannot be (the API has no endpoint for it), so they are listed for
 * the person running the suite. Only what the suite made is touched: a registration of the same bucket
 * that existed before the run is left alone.
 */
import type { PcapClient } from "../../client";

export class Cleanup {
  private readonly captures: string[] = [];
  private readonly buckets = new Map<string, Set<string>>();
  private readonly deletedByScenario = new Set<string>();
  private readonly lines: string[] = [];

  constructor(
    private readonly client: PcapClient,
    private readonly accountId: string,
  ) {}

  captureMade(id: string): void {
    this.captures.push(id);
  }

  /** From now on, a registration of `destinationConf` whose id is not in `existing` is the suite's. */
  watchBucket(destinationConf: string, existing: string[]): void {
    this.buckets.set(destinationConf, new Set(existing));
  }

  ownershipDeleted(id: string): void {
    this.deletedByScenario.add(id);
  }

  /**
   * Deletes the registrations the suite made and still exist; safe to call more than once. Returns what
   * became of everything the suite made, one line each, for the report.
   */
  async run(): Promise<string[]> {
    for (const id of this.captures.splice(0)) {
      this.lines.push(
        `capture ${id}: left in the account — the API cannot delete captures; it drops off the list ` +
          `once 50 newer ones exist`,
      );
    }
    for (const id of this.deletedByScenario) this.lines.push(`ownership ${id}: deleted by its scenario`);
    this.deletedByScenario.clear();
    if (this.buckets.size === 0) return [...this.lines];

    const watched = new Map(this.buckets);
    this.buckets.clear();
    let ownerships;
    try {
      ownerships = await this.client.listOwnerships(this.accountId);
    } catch (err) {
      this.lines.push(
        `could not list bucket ownerships to clean up (${(err as Error).message}); delete any registration of ` +
          `${[...watched.keys()].join(", ")} made by this run in the dashboard`,
      );
      return [...this.lines];
    }
    for (const ownership of ownerships) {
      const existing = watched.get(ownership.destinationConf);
      if (!existing || existing.has(ownership.id)) continue;
      try {
        await this.client.deleteOwnership(this.accountId, ownership.id);
        this.lines.push(`ownership ${ownership.id} (${ownership.destinationConf}): deleted in cleanup`);
      } catch (err) {
        this.lines.push(
          `ownership ${ownership.id} (${ownership.destinationConf}): NOT deleted (${(err as Error).message}); ` +
            `delete it in the dashboard`,
        );
      }
    }
    return [...this.lines];
  }
}
