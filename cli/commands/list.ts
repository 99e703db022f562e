/** `list`: the account's captures and bucket ownerships, as tables or as JSON for scripts. */
import type { BucketOwnership, Capture } from "../../client";
import type { ListInvocation } from "../args";
import type { CliIo } from "../io";
import { withSession } from "../session";
import { renderTable, type Column } from "../table";
import { formatDestination, formatFilter, formatPackets, formatTime } from "../format";

const CAPTURE_COLUMNS: Column<Capture>[] = [
  { header: "ID", value: (c) => c.id },
  { header: "TYPE", value: (c) => c.type ?? "-", optional: true },
  { header: "STATUS", value: (c) => c.status },
  { header: "SUBMITTED (UTC)", value: (c) => formatTime(c.submitted), optional: true },
  {
    header: "TIME LIMIT",
    value: (c) => (c.timeLimit === undefined ? "-" : `${c.timeLimit} s`),
    align: "right",
    optional: true,
  },
  { header: "PACKETS", value: formatPackets, align: "right" },
  { header: "FILTER", value: (c) => formatFilter(c.filter), flexible: true },
  { header: "DESTINATION", value: formatDestination, flexible: true },
];

export const OWNERSHIP_COLUMNS: Column<BucketOwnership>[] = [
  { header: "ID", value: (o) => o.id },
  { header: "DESTINATION", value: (o) => o.destinationConf, flexible: true, minWidth: 16 },
  { header: "STATUS", value: (o) => o.status },
  { header: "SUBMITTED (UTC)", value: (o) => formatTime(o.submitted), optional: true },
  { header: "VALIDATED (UTC)", value: (o) => formatTime(o.validated) },
];

export async function list(invocation: ListInvocation, io: CliIo): Promise<number> {
  const { captures, ownerships } = await withSession(
    io.env,
    invocation.account,
    (event) => io.stderr.write(`${event.message}\n`),
    async ({ client, accountId }) => {
      const [captures, ownerships] = await Promise.all([
        client.listCaptures(accountId),
        client.listOwnerships(accountId),
      ]);
      return { captures, ownerships };
    },
  );
  if (invocation.json) {
    io.stdout.write(`${JSON.stringify({ captures, ownerships }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(
    `${section("Packet captures", CAPTURE_COLUMNS, captures, io.columns)}\n` +
      section("Bucket ownerships", OWNERSHIP_COLUMNS, ownerships, io.columns),
  );
  return 0;
}

export function section<Row>(
  title: string,
  columns: Column<Row>[],
  rows: Row[],
  width: number | undefined,
): string {
  if (rows.length === 0) return `${title}: none\n`;
  return `${title} (${rows.length})\n${renderTable(columns, rows, width)}`;
}
