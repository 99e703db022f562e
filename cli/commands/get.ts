/** `get <captureId>` and `stop <captureId>`: one capture, read or stopped. */
import type { CaptureIdInvocation } from "../args";
import { renderCapture } from "../capture-view";
import type { CliIo } from "../io";
import { printJson } from "../output";
import { withSession } from "../session";

export async function get(invocation: CaptureIdInvocation, io: CliIo): Promise<number> {
  const capture = await withSession(io.env, invocation.account, logTo(io), ({ client, accountId }) =>
    client.getCapture(accountId, invocation.captureId),
  );
  if (invocation.json) printJson(io, capture);
  else io.stdout.write(renderCapture(capture));
  return 0;
}

/** Stops, then reads the capture back: the answer to a stop has no body, and the status is what matters. */
export async function stop(invocation: CaptureIdInvocation, io: CliIo): Promise<number> {
  const capture = await withSession(io.env, invocation.account, logTo(io), async ({ client, accountId }) => {
    await client.stopCapture(accountId, invocation.captureId);
    return client.getCapture(accountId, invocation.captureId);
  });
  if (invocation.json) {
    printJson(io, capture);
    return 0;
  }
  io.stderr.write(`stop requested for capture ${capture.id}: it converts what it captured, then completes\n`);
  io.stdout.write(renderCapture(capture));
  return 0;
}

/** The client's notes (retries, rate-limit waits) as lines on stderr. */
export function logTo(io: CliIo): (event: { message: string }) => void {
  return (event) => io.stderr.write(`${event.message}\n`);
}
