/**
 * Plain-text tables: widths from the content, and when a terminal width is known, optional columns are
 * left out and flexible ones (free text such as filters and bucket URIs) cut short with an ellipsis, so
 * rows do not wrap on an 80-column terminal. Ids never shrink: they are what people copy.
 */

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  align?: "left" | "right";
  /** May be cut short (with "…") to fit the width, down to `minWidth` (default 10). */
  flexible?: boolean;
  minWidth?: number;
  /** May be left out when even the shrunk table is too wide; the rightmost optional goes first. */
  optional?: boolean;
}

const GAP = "  ";

export function renderTable<Row>(columns: Column<Row>[], rows: Row[], maxWidth?: number): string {
  let shown = columns.map((column) => ({
    column,
    cells: rows.map((row) => oneLine(column.value(row))),
    width: 0,
  }));
  for (const c of shown) c.width = Math.max(c.column.header.length, ...c.cells.map((cell) => cell.length));

  if (maxWidth !== undefined) {
    const gaps = () => GAP.length * (shown.length - 1);
    const floor = (c: (typeof shown)[number]) =>
      c.column.flexible
        ? Math.min(c.width, Math.max(c.column.minWidth ?? 10, c.column.header.length))
        : c.width;
    // First leave out optional columns until the rest fits with flexible ones at their floor, so that
    // what stays keeps as much text as the width allows.
    for (;;) {
      const drop = shown.map((c) => c.column.optional).lastIndexOf(true);
      if (drop === -1 || shown.reduce((sum, c) => sum + floor(c), 0) + gaps() <= maxWidth) break;
      shown = shown.filter((_, i) => i !== drop);
    }
    // Then shrink the widest flexible column one character at a time: fair to all of them, and simple.
    while (shown.reduce((sum, c) => sum + c.width, 0) + gaps() > maxWidth) {
      const widest = shown.filter((c) => c.width > floor(c)).sort((a, b) => b.width - a.width)[0];
      if (!widest) break;
      widest.width--;
    }
  }

  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const { width, column } = shown[i];
        const fitted = cell.length > width ? `${cell.slice(0, width - 1).trimEnd()}…` : cell;
        return column.align === "right" ? fitted.padStart(width) : fitted.padEnd(width);
      })
      .join(GAP)
      .trimEnd();
  const lines = [line(shown.map((c) => c.column.header))];
  rows.forEach((_, r) => lines.push(line(shown.map((c) => c.cells[r]))));
  return `${lines.join("\n")}\n`;
}

/** A cell is one line: a newline or tab from the API must not break the table. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}
