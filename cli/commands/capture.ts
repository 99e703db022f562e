/**
 * `capture`: start a capture, follow it with a progress line until it is done, and with `-o` save it
 * as one pcap file (then print its summary).
 *
 * Ctrl-C while following: a simple capture cannot be stopped, so following stops and the command says
 * how to resume. A full capture is stopped with `--stop-on-interrupt`; on a terminal the command asks;
 * otherwise (or on "no") it keeps running and following stops. A second Ctrl-C always stops following.
 * Ctrl-C while saving aborts the save, and no file is left.
 */
import { resolve } from "node:path";
import { failureReason, type Capture } from "../../client";
import type { CaptureInvocation } from "../args";
import { renderCapture } from "../capture-view";
import { followCapture } from "../follow";
import { formatFilter, quoteForShell } from "../format";
import { CommandError, onInterrupt, type CliIo } from "../io";
import { printJson, printSaved } from "../output";
import { createProgress, type Progress } from "../progress";
import { checkSavable, saveCapture } from "../save";
import { withSession, type Session } from "../session";

/** Full captures may run a day: poll at most every 5 s so the packet count stays fresh. */
const MAX_POLL_MS = 5000;

export async function capture(invocation: CaptureInvocation, io: CliIo, program: string): Promise<number> {
  const shownPath = invocation.output;
  // The client's notes (retries, rate-limit waits) go around the progress line once there is one.
  let note = (message: string) => io.stderr.write(`${message}\n`);
  return withSession(
    io.env,
    invocation.account,
    (event) => note(event.message),
    async (session) => {
      const created = await session.client.createCapture(session.accountId, invocation.request);
      if (!invocation.follow) {
        if (invocation.json) printJson(io, { capture: created });
        else io.stdout.write(`${created.id}\n`);
        return 0;
      }
      io.stderr.write(
        `started ${created.type ?? invocation.request.type} capture ${created.id} (${formatFilter(created.filter)})\n`,
      );
      const following = new Following(session, created, io, invocation, program);
      note = (message) => following.progress.note(message);
      let done: Capture;
      try {
        done = await following.untilDone();
        if (done.status === "failed") {
          throw new CommandError("capture", `capture ${done.id} failed: ${failureReason(done)}`);
        }
        if (shownPath === undefined) {
          following.progress.done();
          if (invocation.json) printJson(io, { capture: done });
          else io.stdout.write(renderCapture(done));
          return 0;
        }
        const saved = await following.save(resolve(io.cwd ?? process.cwd(), shownPath));
        following.progress.done();
        await printSaved(io, invocation, shownPath, saved, { capture: done });
        return 0;
      } finally {
        following.close();
      }
    },
  );
}

/** One capture being followed, and what Ctrl-C does to it at each stage. */
class Following {
  readonly progress: Progress;
  private readonly aborter = new AbortController();
  private readonly unsubscribe: () => void;
  private readonly started = Date.now();
  private stage: "following" | "saving" = "following";
  /** Set while a stop request is under way or done: a second Ctrl-C stops following. */
  private stopping: Promise<void> | undefined;
  /** Set while the question is on screen; the progress line waits. */
  private question: AbortController | undefined;
  private asked: Promise<void> | undefined;

  constructor(
    private readonly session: Session,
    private capture: Capture,
    private readonly io: CliIo,
    private readonly invocation: CaptureInvocation,
    private readonly program: string,
  ) {
    this.progress = createProgress(io.stderr, capture.id, { isTTY: io.isTTY === true });
    this.unsubscribe = onInterrupt(io, () => this.interrupted());
  }

  async untilDone(): Promise<Capture> {
    // A full capture into a bucket that cannot be fetched (gs://) is refused before the wait, not after.
    if (this.invocation.output !== undefined) checkSavable(this.capture);
    this.capture = await followCapture(this.session.client, this.session.accountId, this.capture, {
      show: (c) => this.show(c),
      signal: this.aborter.signal,
      maxPollMs: MAX_POLL_MS,
    });
    // Finished while the question was on screen: the answer no longer matters.
    if (this.question) {
      this.question.abort();
      this.io.stderr.write(`(capture ${this.capture.id} is ${this.capture.status})\n`);
    }
    await this.asked;
    await this.stopping;
    this.aborter.signal.throwIfAborted();
    return this.capture;
  }

  save(path: string) {
    this.stage = "saving";
    return saveCapture(this.session, this.capture, path, {
      progress: this.progress,
      signal: this.aborter.signal,
      env: this.io.env,
    });
  }

  close(): void {
    this.unsubscribe();
    this.question?.abort();
    this.progress.done();
  }

  private show(capture: Capture): void {
    this.capture = capture;
    if (this.question) return;
    this.progress.capturing({
      status: capture.status,
      elapsedSeconds: (Date.now() - this.started) / 1000,
      ...(capture.timeLimit !== undefined ? { timeLimit: capture.timeLimit } : {}),
      ...(capture.packetsCaptured !== undefined ? { packets: capture.packetsCaptured } : {}),
    });
  }

  private interrupted(): void {
    if (this.aborter.signal.aborted) return;
    const { id } = this.capture;
    if (this.stage === "saving") {
      this.aborter.abort(
        new CommandError(
          "capture",
          `saving capture ${id} interrupted: no file written; save it with: ${this.resumeCommand(false)}`,
        ),
      );
      return;
    }
    if (this.capture.type !== "full" || this.question || this.stopping) {
      this.detach();
    } else if (this.invocation.stopOnInterrupt) {
      this.stop();
    } else if (this.io.interactive && this.io.readLine) {
      this.ask(this.io.readLine);
    } else {
      this.detach();
    }
  }

  /** Stops following; the capture goes on (or finishes converting) by itself. */
  private detach(): void {
    const { id, type } = this.capture;
    const state = this.stopping ? "stop was requested, it completes by itself" : "it keeps running";
    const next =
      this.invocation.output === undefined
        ? `see it with: ${this.program} get ${id}`
        : `save it with: ${this.resumeCommand(true)}`;
    this.aborter.abort(
      new CommandError(
        "capture",
        `stopped following ${type ?? ""} capture ${id} (${state}); when it is done, ${next}`.replace(
          "  ",
          " ",
        ),
      ),
    );
  }

  private stop(): void {
    const { id } = this.capture;
    this.progress.note(`stopping capture ${id} (Ctrl-C again to stop following)`);
    this.stopping = this.session.client.stopCapture(this.session.accountId, id).then(
      () => this.progress.note(`capture ${id}: stop requested; converting what it captured`),
      (error: unknown) =>
        this.progress.note(
          `could not stop capture ${id}: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  }

  private ask(readLine: (signal: AbortSignal) => Promise<string | undefined>): void {
    const question = new AbortController();
    this.question = question;
    this.progress.done();
    this.io.stderr.write(`stop capture ${this.capture.id}? [y/N] `);
    this.asked = readLine(question.signal).then(
      (answer) => {
        this.question = undefined;
        if (question.signal.aborted) return;
        if (/^\s*y(es)?\s*$/i.test(answer ?? "")) this.stop();
        else this.detach();
      },
      () => {
        this.question = undefined;
        this.detach();
      },
    );
  }

  /** The command that saves this capture later. */
  private resumeCommand(wait: boolean): string {
    const file = this.invocation.output ?? `pcap_${this.capture.id}.pcap`;
    return `${this.program} download ${this.capture.id}${wait ? " --wait" : ""} -o ${quoteForShell(file)}`;
  }
}
