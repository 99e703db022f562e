/**
 * Progress of a capture and its download on stderr. On a terminal: one line redrawn in place (status
 * and elapsed time while the capture runs or finishes; a bar, bytes and rate while bytes arrive), erased
 * at the end so stdout's summary stands alone. Elsewhere (CI logs, pipes): a few plain lines, never
 * carriage returns.
 */
import type { Writer } from "./io";
import { formatBytes, formatDuration, shortId } from "./format";

/** Where a capture being followed stands. */
export interface CaptureState {
  status: string;
  /** Seconds since following began. */
  elapsedSeconds: number;
  /** The capture's time limit, in seconds, when known. */
  timeLimit?: number;
  /** Packets captured so far, where the API counts them (full captures). */
  packets?: number;
}

export interface Progress {
  /** The capture is not finished yet; called on every poll and between polls. */
  waiting(status: string): void;
  /** A capture being followed (`capture`): status, elapsed of the time limit, packets. */
  capturing(state: CaptureState): void;
  /** Bytes written so far; the first call marks the download's start. */
  /**
   * Bytes written so far of the current step; the first call (and every new `label`) marks a step's
   * start. `label` names the step ("fetching part 2 of 3", "merging 3 parts"); default: downloading.
   */
  downloading(bytes: number, totalBytes?: number, label?: string): void;
  /** A message that must stay visible (a retry, a rate-limit wait). */
  note(message: string): void;
  /** Clears the live line, if any. */
  done(): void;
}

export interface ProgressOptions {
  isTTY: boolean;
  /** What bytes arriving are, in words (plain lines); default "downloading capture <id>". */
  activity?: string;
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
}

export function createProgress(stderr: Writer, captureId: string, options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  return options.isTTY
    ? new LineProgress(stderr, captureId, now, options.activity)
    : new PlainProgress(stderr, captureId, now, options.activity ?? `downloading capture ${captureId}`);
}

/** Width of the bar in characters; the whole line stays under 80 columns. */
const BAR = 24;
const REDRAW_MS = 100;
const SPINNER = ["|", "/", "-", "\\"];

class LineProgress implements Progress {
  private line = "";
  private lastDraw = -Infinity;
  private waitStart: number | undefined;
  private downloadStart: number | undefined;
  private frame = 0;

  constructor(
    private readonly out: Writer,
    private readonly id: string,
    private readonly now: () => number,
    private readonly activity: string | undefined,
  ) {}

  waiting(status: string): void {
    this.waitStart ??= this.now();
    const elapsed = formatDuration((this.now() - this.waitStart) / 1000);
    if (!this.due()) return;
    this.draw(`${this.spin()} capture ${shortId(this.id)}: ${status}, waiting ${elapsed}`);
  }

  capturing(state: CaptureState): void {
    if (!this.due()) return;
    this.draw(`${this.spin()} capture ${shortId(this.id)}: ${describeState(state)}`);
  }

  private label: string | undefined;

  downloading(bytes: number, totalBytes?: number, label?: string): void {
    if (label !== this.label) {
      this.label = label;
      this.downloadStart = undefined;
      this.lastDraw = -Infinity;
    }
    this.downloadStart ??= this.now();
    // The first and the last state are always drawn; in between, at most every REDRAW_MS.
    if (!this.due(bytes === 0 || (totalBytes !== undefined && bytes >= totalBytes))) return;
    const rate = rateOf(bytes, this.now() - this.downloadStart);
    const amount =
      totalBytes === undefined ? formatBytes(bytes) : `${formatBytes(bytes)} / ${formatBytes(totalBytes)}`;
    if (totalBytes === undefined) {
      this.draw(`${label ?? this.activity ?? `downloading ${shortId(this.id)}`}: ${amount}${rate}`);
      return;
    }
    const fraction = Math.min(1, bytes / totalBytes);
    const filled = Math.round(fraction * BAR);
    const bar = `[${"#".repeat(filled)}${".".repeat(BAR - filled)}]`;
    const step = label === undefined ? "" : `${label} `;
    this.draw(`${step}${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${amount}${rate}`);
  }

  note(message: string): void {
    const line = this.line;
    this.clear();
    this.out.write(`${message}\n`);
    if (line) this.draw(line);
  }

  done(): void {
    this.clear();
  }

  /** A fast download reports often: redraw at most every REDRAW_MS, unless `force`. */
  private due(force = false): boolean {
    const now = this.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return false;
    this.lastDraw = now;
    return true;
  }

  private spin(): string {
    return SPINNER[this.frame++ % SPINNER.length];
  }

  private draw(text: string): void {
    this.line = text;
    this.out.write(`\r${text}\x1b[K`);
  }

  private clear(): void {
    if (this.line) this.out.write("\r\x1b[K");
    this.line = "";
  }
}

/** Plain lines: status changes, a reminder every 30 s of waiting, and quarters of a sized download. */
class PlainProgress implements Progress {
  private status: string | undefined;
  private waitStart: number | undefined;
  private lastWaitLine = 0;
  private downloadStart: number | undefined;
  private quarter = 0;

  private captureStatus: string | undefined;
  private lastCaptureLine = 0;

  constructor(
    private readonly out: Writer,
    private readonly id: string,
    private readonly now: () => number,
    private readonly activity: string,
  ) {}

  capturing(state: CaptureState): void {
    const now = this.now();
    if (state.status === this.captureStatus && now - this.lastCaptureLine < 30_000) return;
    this.captureStatus = state.status;
    this.lastCaptureLine = now;
    this.out.write(`capture ${this.id}: ${describeState(state)}\n`);
  }

  waiting(status: string): void {
    const now = this.now();
    this.waitStart ??= now;
    if (status !== this.status) {
      const first = this.status === undefined;
      this.status = status;
      this.lastWaitLine = now;
      this.out.write(
        first ? `waiting for capture ${this.id}: ${status}\n` : `capture ${this.id}: ${status}\n`,
      );
    } else if (now - this.lastWaitLine >= 30_000) {
      this.lastWaitLine = now;
      this.out.write(
        `capture ${this.id}: still ${status} after ${formatDuration((now - this.waitStart) / 1000)}\n`,
      );
    }
  }

  private label: string | undefined;

  downloading(bytes: number, totalBytes?: number, label?: string): void {
    if (this.downloadStart === undefined || label !== this.label) {
      this.label = label;
      this.downloadStart = this.now();
      this.quarter = 0;
      const size = totalBytes === undefined ? "" : ` (${formatBytes(totalBytes)})`;
      this.out.write(`${label ?? this.activity}${size}\n`);
    }
    if (totalBytes === undefined || bytes >= totalBytes) return;
    const quarter = Math.floor((bytes / totalBytes) * 4);
    if (quarter > this.quarter) {
      this.quarter = quarter;
      const rate = rateOf(bytes, this.now() - this.downloadStart);
      this.out.write(`  ${quarter * 25}%: ${formatBytes(bytes)} of ${formatBytes(totalBytes)}${rate}\n`);
    }
  }

  note(message: string): void {
    this.out.write(`${message}\n`);
  }

  done(): void {}
}

/** "running, 12 s of 1 m 00 s, 120 packets". */
function describeState(state: CaptureState): string {
  const limit = state.timeLimit === undefined ? "" : ` of ${formatDuration(state.timeLimit)}`;
  const packets = state.packets === undefined ? "" : `, ${state.packets} packets`;
  return `${state.status}, ${formatDuration(state.elapsedSeconds)}${limit}${packets}`;
}

/** ", 1.2 MiB/s", or nothing before there is enough time to say. */
function rateOf(bytes: number, elapsedMs: number): string {
  return elapsedMs < 200 ? "" : `, ${formatBytes(Math.round(bytes / (elapsedMs / 1000)))}/s`;
}
