// RFC 4180 CSV: CRLF line ends, a header line, and a field quoted (its quotes
// doubled) when it holds a comma, a quote, CR or LF, or starts or ends with a space.
import type { Cell, Column } from "./columns.js";

/** One cell as CSV text: timestamps RFC 3339 (UTC, ms), numbers in JavaScript's shortest round-trip form, null empty. */
export function csvField(cell: Cell, type: Column["type"]): string {
  if (cell === null) return "";
  const text = type === "timestamp" && typeof cell === "number" ? new Date(cell).toISOString() : String(cell);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRecord(cells: readonly Cell[], columns: readonly Column[]): string {
  return `${cells.map((c, i) => csvField(c, columns[i]!.type)).join(",")}\r\n`;
}

/** The header record: the column names. */
export function csvHeader(columns: readonly Column[]): string {
  return `${columns.map((c) => csvField(c.name, "string")).join(",")}\r\n`;
}
