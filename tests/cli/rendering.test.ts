/** Tables, formatters and the progress renderer, without any I/O. */
import { formatBytes, formatDuration, formatFilter, formatTime } from "../../cli/format";
import { createProgress } from "../../cli/progress";
import { renderTable, type Column } from "../../cli/table";

describe("renderTable", () => {
  type Row = { id: string; note: string; when: string };
  const columns: Column<Row>[] = [
    { header: "ID", value: (r) => r.id },
    { header: "WHEN", value: (r) => r.when, optional: true },
    { header: "NOTE", value: (r) => r.note, flexible: true, minWidth: 6 },
    { header: "N", value: (r) => String(r.note.length), align: "right" },
  ];
  const rows: Row[] = [
    { id: "aaaa", note: "a fairly long note\nwith a newline", when: "2024-05-01 12:00" },
    { id: "bb", note: "short", when: "-" },
  ];

  test("widths come from the content; right alignment; no trailing spaces; one line per row", () => {
    expect(renderTable(columns, rows)).toBe(
      [
        "ID    WHEN              NOTE                                N",
        "aaaa  2024-05-01 12:00  a fairly long note with a newline  33",
        "bb    -                 short                               5",
        "",
      ].join("\n"),
    );
  });

  test("a width limit cuts flexible text first when that is enough", () => {
    const text = renderTable(columns, rows, 50);
    expect(text.split("\n")[1]).toBe("aaaa  2024-05-01 12:00  a fairly long note wi…  33");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(50);
  });

  test("then drops optional columns, and gives the room back to flexible ones", () => {
    const text = renderTable(columns, rows, 30);
    expect(text.split("\n")).toEqual([
      "ID    NOTE                   N",
      "aaaa  a fairly long note…   33",
      "bb    short                  5",
      "",
    ]);
  });

  test("never cuts fixed columns: past that, lines are simply long", () => {
    expect(renderTable(columns, rows, 5).split("\n")[1]).toBe("aaaa  a fai…  33");
  });
});

describe("formatters", () => {
  test.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [10 * 1024 * 1024, "10.0 MiB"],
    [200 * 1024, "200 KiB"],
  ])("formatBytes(%d) = %s", (n, text) => expect(formatBytes(n)).toBe(text));

  test.each([
    [0, "0 s"],
    [59.9, "59 s"],
    [185, "3 m 05 s"],
    [7260, "2 h 01 m"],
  ])("formatDuration(%d) = %s", (n, text) => expect(formatDuration(n)).toBe(text));

  test("formatTime: UTC minutes; missing or odd values pass", () => {
    expect(formatTime("2024-05-01T12:34:56.789Z")).toBe("2024-05-01 12:34");
    expect(formatTime("2024-05-01T14:34:56+02:00")).toBe("2024-05-01 12:34");
    expect(formatTime(undefined)).toBe("-");
    expect(formatTime("soon")).toBe("soon");
  });

  test.each([
    [undefined, "any"],
    [{}, "any"],
    [{ protocol: 17 }, "udp"],
    [{ protocol: 47, sourceAddress: "198.51.100.1" }, "proto 47 198.51.100.1 -> *"],
    [
      {
        protocol: 6,
        sourceAddress: "198.51.100.1",
        sourcePort: 5000,
        destinationAddress: "203.0.113.7",
        destinationPort: 443,
      },
      "tcp 198.51.100.1:5000 -> 203.0.113.7:443",
    ],
    [{ destinationPort: 53 }, "* -> *:53"],
  ])("formatFilter(%j) = %s", (filter, text) => expect(formatFilter(filter)).toBe(text));
});

describe("progress", () => {
  const ID = "0123456789abcdef0123456789abcdef";
  function harness(isTTY: boolean) {
    let out = "";
    let now = 0;
    const progress = createProgress({ write: (t: string) => (out += t) }, ID, { isTTY, now: () => now });
    return { progress, out: () => out, tick: (ms: number) => (now += ms) };
  }

  test("terminal: one line redrawn at most every 100 ms, with bar, sizes and rate; erased at the end", () => {
    const { progress, out, tick } = harness(true);
    progress.waiting("pending");
    tick(50);
    progress.waiting("pending"); // too soon: not drawn
    tick(1950);
    progress.waiting("running");
    progress.downloading(0, 4096);
    tick(1000);
    progress.downloading(2048, 4096);
    tick(1000);
    progress.downloading(4096, 4096);
    progress.done();
    expect(out().split("\r").slice(1)).toEqual([
      "| capture 01234567…: pending, waiting 0 s\x1b[K",
      "/ capture 01234567…: running, waiting 2 s\x1b[K",
      "[........................]   0%  0 B / 4.0 KiB\x1b[K",
      "[############............]  50%  2.0 KiB / 4.0 KiB, 2.0 KiB/s\x1b[K",
      "[########################] 100%  4.0 KiB / 4.0 KiB, 2.0 KiB/s\x1b[K",
      "\x1b[K",
    ]);
    expect(out()).not.toContain("\n");
  });

  test("terminal: a note is printed on its own line and the live line comes back", () => {
    const { progress, out } = harness(true);
    progress.downloading(0);
    progress.note("rate limited; waiting 2 s");
    expect(out()).toBe(
      `\rdownloading 01234567…: 0 B\x1b[K\r\x1b[Krate limited; waiting 2 s\n\rdownloading 01234567…: 0 B\x1b[K`,
    );
  });

  test("following a capture: status, elapsed of the time limit, packets; plain lines on change or every 30 s", () => {
    const tty = harness(true);
    tty.progress.capturing({ status: "running", elapsedSeconds: 12, timeLimit: 60, packets: 120 });
    expect(tty.out()).toBe("\r| capture 01234567…: running, 12 s of 1 m 00 s, 120 packets\x1b[K");
    const plain = harness(false);
    for (let s = 0; s <= 40; s += 5) {
      plain.progress.capturing({ status: s < 20 ? "pending" : "running", elapsedSeconds: s, timeLimit: 300 });
      plain.tick(5000);
    }
    expect(plain.out()).toBe(
      [`capture ${ID}: pending, 0 s of 5 m 00 s`, `capture ${ID}: running, 20 s of 5 m 00 s`, ""].join("\n"),
    );
  });

  test("steps with labels (fetching parts, merging) each start their own line and rate", () => {
    const { progress, out, tick } = harness(false);
    progress.downloading(0, 1000, "fetching part 1 of 2");
    tick(1000);
    progress.downloading(600, 1000, "fetching part 1 of 2");
    progress.downloading(0, 4000, "merging 2 parts");
    expect(out()).toBe(
      [
        "fetching part 1 of 2 (1000 B)",
        "  50%: 600 B of 1000 B, 600 B/s",
        "merging 2 parts (3.9 KiB)",
        "",
      ].join("\n"),
    );
  });

  test("not a terminal: a few plain lines, no carriage returns", () => {
    const { progress, out, tick } = harness(false);
    for (let i = 0; i < 40; i++) {
      progress.waiting(i < 20 ? "pending" : "running");
      tick(2000);
    }
    for (let bytes = 0; bytes <= 100_000; bytes += 1000) {
      progress.downloading(bytes, 100_000);
      tick(10);
    }
    progress.done();
    expect(out()).toBe(
      [
        `waiting for capture ${ID}: pending`,
        `capture ${ID}: still pending after 30 s`,
        `capture ${ID}: running`,
        `capture ${ID}: still running after 1 m 10 s`,
        `downloading capture ${ID} (97.7 KiB)`,
        "  25%: 24.4 KiB of 97.7 KiB, 97.7 KiB/s",
        "  50%: 48.8 KiB of 97.7 KiB, 97.7 KiB/s",
        "  75%: 73.2 KiB of 97.7 KiB, 97.7 KiB/s",
        "",
      ].join("\n"),
    );
  });
});
