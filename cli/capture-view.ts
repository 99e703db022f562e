/** One capture as aligned `field  value` lines (`get`, `stop`, and `capture` when it ends). */
import { failureReason, type Capture } from "../client";
import { formatFilter } from "./format";

/** Everything the API reported about the capture, one field a line; absent fields are left out. */
export function renderCapture(capture: Capture): string {
  const rows: [string, string | undefined][] = [
    ["id", capture.id],
    ["type", capture.type],
    ["status", capture.status],
    ["system", capture.system],
    ["submitted", capture.submitted],
    ["time limit", capture.timeLimit === undefined ? undefined : `${capture.timeLimit} s`],
    ["filter", formatFilter(capture.filter)],
    ["offset time", capture.offsetTime],
    ["colo", capture.coloName],
    ["destination", capture.destinationConf],
    ["byte limit", capture.byteLimit === undefined ? undefined : String(capture.byteLimit)],
    ["packets", capture.packetsCaptured === undefined ? undefined : String(capture.packetsCaptured)],
    ["stop requested", capture.stopRequested],
    ["error", capture.status === "failed" ? failureReason(capture) : capture.errorMessage],
  ];
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== "");
  const width = Math.max(...shown.map(([name]) => name.length));
  return shown.map(([name, value]) => `${name.padEnd(width)}  ${value}\n`).join("");
}
