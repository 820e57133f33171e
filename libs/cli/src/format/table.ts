/** A column: header and alignment (numbers right). */
export interface Column {
  readonly header: string;
  readonly align?: "left" | "right";
}

/** Plain-text table, columns two spaces apart, no trailing spaces; "(none)" under the header when empty. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? "";
        const w = widths[i] ?? 0;
        return c.align === "right" ? cell.padStart(w) : cell.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  const out = [line(columns.map((c) => c.header)), ...rows.map(line)];
  if (rows.length === 0) out.push("(none)");
  return `${out.join("\n")}\n`;
}
