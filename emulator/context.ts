/**
 * What every handler works with, gathered in one object so handlers stay plain functions and the
 * handle's out-of-band helpers can reuse them.
 */
import type { Readable } from "node:stream";
import type { Buckets } from "./buckets";
import type { EmulatedClock } from "./clock";
import type { AnswerShape } from "./render";
import type { EmulatorState } from "./state";

/** Knobs that change how downloads are synthesized (settable at runtime through the handle). */
export interface DownloadSize {
  /** Packets in every simple download, overriding the derived count. */
  packetCount?: number;
  /** File size in bytes of every simple download, exact or short by < 1 record (wins over packetCount). */
  bytes?: number;
}

export interface Context {
  state: EmulatorState;
  clock: EmulatedClock;
  buckets: Buckets;
  simpleCaptureIntervalSeconds: number;
  validationDelaySeconds: number;
  acceptFilenameChallenge: boolean;
  download: DownloadSize;
  /** Which reading of the published sources answers take (finished simple status, unknown fields). */
  shape: AnswerShape;
  /** Writes state.json when persistence is on; a no-op otherwise. Awaited before answering. */
  persist(): Promise<void>;
}

/** What a handler answers; the server turns it into bytes (and the envelope). */
export type Reply =
  | { kind: "json"; status: number; result: unknown; headers?: Record<string, string> }
  | { kind: "empty" }
  | { kind: "stream"; headers: Record<string, string>; open: () => Readable };
