/**
 * The emulator's state: what was accepted, with timestamps on the emulated clock. Statuses are not
 * stored but derived from those timestamps (see lifecycle.ts), so the only facts kept are ones a
 * request or a completed conversion established — which is also exactly what persistence must keep.
 */
import type { WireFilter } from "./wire";

/** The outcome of a full capture's conversion, fixed once the emulator wrote (or failed to write) it. */
export interface CaptureOutcome {
  status: "success" | "failed";
  packets: number;
  errorMessage?: string;
  /** Absolute paths of the written pcap files, one per edge server (snapshots before 0.2 had `file`). */
  files?: string[];
}

export interface StoredCapture {
  id: string;
  type: "simple" | "full";
  system: string;
  timeLimit: number;
  /** As the wire carries it; `{}` when the request had none. */
  filter: WireFilter;
  submittedMs: number;
  packetLimit?: number;
  /** Simple only: `offset_time` as sent (or the submission time). */
  offsetTime?: string;
  byteLimit?: number;
  coloName?: string;
  destinationConf?: string;
  stopRequestedMs?: number;
  /** False when no packet could ever match the filter; decided once, at creation. */
  canMatch: boolean;
  outcome?: CaptureOutcome;
}

export interface StoredOwnership {
  id: string;
  destinationConf: string;
  filename: string;
  /** The challenge file's content, which validate expects back. */
  token: string;
  submittedMs: number;
  /** "success" with `validatedMs` in the future reads as pending (the validation delay). */
  status: "pending" | "success" | "failed";
  validatedMs?: number;
}

export interface AccountState {
  /** Newest first, at most MAX_CAPTURES. */
  captures: StoredCapture[];
  /** In registration order. */
  ownerships: StoredOwnership[];
  /** Submission time of the last accepted simple capture (the per-minute rule). */
  lastSimpleMs?: number;
}

/**
 * The default account, and the default credential when the emulator generated it (never one a user
 * supplied), so `--persist` restarted without `--token`/`--account` answers the same clients.
 */
export interface SavedIdentity {
  accountId: string;
  token?: string;
  apiKey?: string;
}

export interface StateSnapshot {
  version: 1;
  /** The emulated clock when saved, so a restart never moves time backwards. */
  emulatedNowMs: number;
  /** Real time when saved: time keeps passing while the emulator is down, as it would on Cloudflare. */
  savedAtMs?: number;
  identity?: SavedIdentity;
  accounts: Record<string, AccountState>;
}

/** The capture list holds at most this many per account; older captures drop off. */
export const MAX_CAPTURES = 50;

export class EmulatorState {
  private accounts = new Map<string, AccountState>();

  account(accountId: string): AccountState {
    let account = this.accounts.get(accountId);
    if (!account) {
      account = { captures: [], ownerships: [] };
      this.accounts.set(accountId, account);
    }
    return account;
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  addCapture(accountId: string, capture: StoredCapture): void {
    const account = this.account(accountId);
    account.captures.unshift(capture);
    account.captures.length = Math.min(account.captures.length, MAX_CAPTURES);
  }

  findCapture(accountId: string, id: string): StoredCapture | undefined {
    return this.accounts.get(accountId)?.captures.find((c) => c.id === id);
  }

  /** Every capture with its account, for the conversion sweep. */
  *allCaptures(): Generator<[string, StoredCapture]> {
    for (const [accountId, account] of this.accounts) for (const c of account.captures) yield [accountId, c];
  }

  findOwnershipById(id: string): [string, StoredOwnership] | undefined {
    for (const [accountId, account] of this.accounts) {
      const found = account.ownerships.find((o) => o.id === id);
      if (found) return [accountId, found];
    }
    return undefined;
  }

  removeOwnership(accountId: string, id: string): StoredOwnership | undefined {
    const account = this.accounts.get(accountId);
    const index = account?.ownerships.findIndex((o) => o.id === id) ?? -1;
    if (!account || index < 0) return undefined;
    return account.ownerships.splice(index, 1)[0];
  }

  removeCapture(accountId: string, id: string): boolean {
    const account = this.accounts.get(accountId);
    const index = account?.captures.findIndex((c) => c.id === id) ?? -1;
    if (!account || index < 0) return false;
    account.captures.splice(index, 1);
    return true;
  }

  snapshot(emulatedNowMs: number, identity?: SavedIdentity): StateSnapshot {
    const snapshot: StateSnapshot = {
      version: 1,
      emulatedNowMs,
      accounts: Object.fromEntries(this.accounts),
    };
    if (identity) snapshot.identity = identity;
    return snapshot;
  }

  /** Rebuilds state from a snapshot; throws on a file that is not one, rather than serving garbage. */
  static fromSnapshot(value: unknown): {
    state: EmulatorState;
    emulatedNowMs: number;
    identity?: SavedIdentity;
  } {
    if (!isSnapshot(value)) throw new Error("state.json is not an emulator state (version 1)");
    const state = new EmulatorState();
    for (const [id, account] of Object.entries(value.accounts)) state.accounts.set(id, account);
    const downtime = value.savedAtMs === undefined ? 0 : Math.max(0, Date.now() - value.savedAtMs);
    return { state, emulatedNowMs: value.emulatedNowMs + downtime, identity: value.identity };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSnapshot(value: unknown): value is StateSnapshot {
  if (!isRecord(value) || value.version !== 1 || typeof value.emulatedNowMs !== "number") return false;
  if (!isRecord(value.accounts)) return false;
  const identity = value.identity;
  if (identity !== undefined && !(isRecord(identity) && typeof identity.accountId === "string")) return false;
  return Object.values(value.accounts).every(
    (a) =>
      isRecord(a) &&
      Array.isArray(a.captures) &&
      Array.isArray(a.ownerships) &&
      a.captures.every((c) => isRecord(c) && typeof c.id === "string" && typeof c.submittedMs === "number") &&
      a.ownerships.every((o) => isRecord(o) && typeof o.id === "string" && typeof o.token === "string"),
  );
}
