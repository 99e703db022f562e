/**
 * Runs state changes one at a time. Handlers await file writes and persistence in the middle of a
 * change, so without this two requests could interleave and, say, both pass the one-active-capture rule.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The chain continues whether the task failed or not; the caller still sees the failure.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
