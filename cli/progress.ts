/**
 * Progress of a download on stderr. On a terminal: one line redrawn in place (status and elapsed time
 * while the capture finishes; a bar, bytes and rate while bytes arrive), erased at the end so stdout's
 * summary stands alone. Elsewhere (CI logs, pipes): a few plain lines, never carriage returns.
 */
import type { Writer } from "./io";
import { formatBytes, formatDuration, shortId } from "./format";

export interface Progress {
  /** The capture is not finished yet; called on every poll and between polls. */
  waiting(status: string): void;
  /** Bytes written so far; the first call marks the download's start. */
  downloading(bytes: number, totalBytes?: number): void;
  /** A message that must stay visible (a retry, a rate-limit wait). */
  note(message: string): void;
  /** Clears the live line, if any. */
  done(): void;
}

export interface ProgressOptions {
  isTTY: boolean;
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
}

export function createProgress(stderr: Writer, captureId: string, options: ProgressOptions): Progress {
  return options.isTTY
    ? new LineProgress(stderr, captureId, options.now ?? Date.now)
    : new PlainProgress(stderr, captureId, options.now ?? Date.now);
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
  ) {}

  waiting(status: string): void {
    this.waitStart ??= this.now();
    const elapsed = formatDuration((this.now() - this.waitStart) / 1000);
    if (!this.due()) return;
    const spin = SPINNER[this.frame++ % SPINNER.length];
    this.draw(`${spin} capture ${shortId(this.id)}: ${status}, waiting ${elapsed}`);
  }

  downloading(bytes: number, totalBytes?: number): void {
    this.downloadStart ??= this.now();
    // The first and the last state are always drawn; in between, at most every REDRAW_MS.
    if (!this.due(bytes === 0 || (totalBytes !== undefined && bytes >= totalBytes))) return;
    const rate = rateOf(bytes, this.now() - this.downloadStart);
    const amount =
      totalBytes === undefined ? formatBytes(bytes) : `${formatBytes(bytes)} / ${formatBytes(totalBytes)}`;
    if (totalBytes === undefined) {
      this.draw(`downloading ${shortId(this.id)}: ${amount}${rate}`);
      return;
    }
    const fraction = Math.min(1, bytes / totalBytes);
    const filled = Math.round(fraction * BAR);
    const bar = `[${"#".repeat(filled)}${".".repeat(BAR - filled)}]`;
    this.draw(`${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${amount}${rate}`);
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

  constructor(
    private readonly out: Writer,
    private readonly id: string,
    private readonly now: () => number,
  ) {}

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

  downloading(bytes: number, totalBytes?: number): void {
    if (this.downloadStart === undefined) {
      this.downloadStart = this.now();
      const size = totalBytes === undefined ? "" : ` (${formatBytes(totalBytes)})`;
      this.out.write(`downloading capture ${this.id}${size}\n`);
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

/** ", 1.2 MiB/s", or nothing before there is enough time to say. */
function rateOf(bytes: number, elapsedMs: number): string {
  return elapsedMs < 200 ? "" : `, ${formatBytes(Math.round(bytes / (elapsedMs / 1000)))}/s`;
}
