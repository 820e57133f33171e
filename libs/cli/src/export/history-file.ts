// The file one kind of history is exported to, in one of three formats. Rows
// arrive a page at a time; the file appears under its name only when it is
// complete (written beside it as `.partial`, then renamed), so an interrupted
// or failed export leaves no file a reader could take for a whole one.
import { createWriteStream, renameSync, rmSync, type WriteStream } from "node:fs";
import { fileWriter, ParquetWriter, schemaFromColumnData } from "hyparquet-writer";
import type { Cell, Column } from "./columns.js";
import { csvHeader, csvRecord } from "./csv.js";

export const EXPORT_FORMATS = ["csv", "jsonl", "parquet"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface HistoryFile {
  readonly path: string;
  /** Rows written so far. */
  readonly rows: number;
  write(rows: readonly (readonly Cell[])[]): Promise<void>;
  /** Completes the file under its name. */
  close(): Promise<void>;
  /** Removes what was written. */
  abort(): void;
}

function streamed(partial: WriteStream) {
  return {
    put: (text: string) =>
      new Promise<void>((resolve, reject) => {
        partial.write(text, (err) => (err ? reject(err) : resolve()));
      }),
    end: () =>
      new Promise<void>((resolve, reject) =>
        partial.end((err?: Error | null) => (err ? reject(err) : resolve())),
      ),
  };
}

/** A JSON lines record: timestamps as RFC 3339 strings, the rest as JSON values. */
function jsonLine(cells: readonly Cell[], columns: readonly Column[]): string {
  const obj: Record<string, Cell> = {};
  columns.forEach((c, i) => {
    const v = cells[i] ?? null;
    obj[c.name] = c.type === "timestamp" && typeof v === "number" ? new Date(v).toISOString() : v;
  });
  return `${JSON.stringify(obj)}\n`;
}

const PARQUET_TYPE = {
  string: "STRING",
  double: "DOUBLE",
  int64: "INT64",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
} as const;

/** A page of rows as hyparquet-writer's columns: INT64 as bigint, timestamps as Dates, nulls kept. */
function parquetColumns(rows: readonly (readonly Cell[])[], columns: readonly Column[]) {
  return columns.map((c, i) => ({
    name: c.name,
    type: PARQUET_TYPE[c.type],
    nullable: true,
    data: rows.map((r) => {
      const v = r[i] ?? null;
      if (v === null) return null;
      if (c.type === "int64") return BigInt(v as number);
      if (c.type === "timestamp") return new Date(v as number);
      return v;
    }),
  }));
}

/** Opens `path` (written as `path.partial` until closed) for rows of `columns` in `format`. */
export function openHistoryFile(format: ExportFormat, path: string, columns: readonly Column[]): HistoryFile {
  const partialPath = `${path}.partial`;
  let rows = 0;
  const finish = () => renameSync(partialPath, path);
  const abort = () => rmSync(partialPath, { force: true });
  if (format === "parquet") {
    const writer = new ParquetWriter({
      writer: fileWriter(partialPath),
      schema: schemaFromColumnData({ columnData: parquetColumns([], columns) }),
      createdBy: "breakwater export",
    });
    return {
      path,
      get rows() {
        return rows;
      },
      async write(page) {
        if (page.length === 0) return;
        await writer.write({ columnData: parquetColumns(page, columns) });
        rows += page.length;
      },
      async close() {
        writer.finish();
        finish();
      },
      abort,
    };
  }
  const out = streamed(createWriteStream(partialPath));
  const header = format === "csv" ? out.put(csvHeader(columns)) : Promise.resolve();
  const record = format === "csv" ? csvRecord : jsonLine;
  return {
    path,
    get rows() {
      return rows;
    },
    async write(page) {
      await header;
      if (page.length === 0) return;
      await out.put(page.map((r) => record(r, columns)).join(""));
      rows += page.length;
    },
    async close() {
      await header;
      await out.end();
      finish();
    },
    abort() {
      void out.end().catch(() => undefined);
      abort();
    },
  };
}
