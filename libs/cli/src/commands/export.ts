import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { HISTORY_PAGE, type HistoryKind, InvalidRequestError, parseRfc3339 } from "@breakwater/core";
import { FailureError, UsageError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import {
  type Cell,
  type Column,
  SIGNAL_COLUMNS,
  SNAPSHOT_COLUMNS,
  signalRow,
  snapshotRows,
} from "../export/columns.js";
import { type ExportFormat, type HistoryFile, openHistoryFile } from "../export/history-file.js";
import { exportProgress } from "../export/progress.js";
import { httpBase, requestJson } from "../http-client.js";
import { INTERRUPTED_EXIT_CODE, type Io } from "../io.js";
import { type CommonOptions, jsonText } from "./common.js";

export interface ExportOptions extends CommonOptions {
  readonly correlator: string;
  readonly from: string;
  readonly to?: string;
  readonly format: ExportFormat;
  readonly out: string;
  readonly kinds: string;
  readonly pageSize: number;
}

interface KindExport {
  readonly columns: readonly Column[];
  /** The entry's time (Unix ms) and its rows. */
  readonly rowsOf: (entry: Record<string, unknown>) => { timeMs: number; rows: Cell[][] };
}

const KINDS: Record<HistoryKind, KindExport> = {
  snapshot: {
    columns: SNAPSHOT_COLUMNS,
    rowsOf: (e) => ({
      timeMs: Number((e["snapshot"] as { takenAtMs?: unknown } | undefined)?.takenAtMs ?? 0),
      rows: snapshotRows(e["snapshot"]),
    }),
  },
  signal: {
    columns: SIGNAL_COLUMNS,
    rowsOf: (e) => ({
      timeMs: Number((e["signal"] as { issuedAtMs?: unknown } | undefined)?.issuedAtMs ?? 0),
      rows: [signalRow(e["signal"])],
    }),
  },
};

function timeFlag(text: string, flag: string): number {
  try {
    return parseRfc3339(text, flag);
  } catch (err) {
    if (err instanceof InvalidRequestError) throw new UsageError(`${flag}: ${err.reason}`);
    throw err;
  }
}

function kindsFlag(text: string): HistoryKind[] {
  const names = text.split(",").map((k) => k.trim());
  for (const n of names)
    if (!(n in KINDS))
      throw new UsageError(`--kinds: unknown kind "${n}" (known: ${Object.keys(KINDS).join(", ")})`);
  return (Object.keys(KINDS) as HistoryKind[]).filter((k) => names.includes(k));
}

interface HistoryPage {
  readonly entries: Record<string, unknown>[];
  readonly nextCursor: string;
}

function pageOf(body: unknown): HistoryPage {
  const b = body as Partial<HistoryPage> | undefined;
  if (!b || !Array.isArray(b.entries) || typeof b.nextCursor !== "string")
    throw new FailureError("the correlator answered GET /v1/history without entries and nextCursor");
  return b as HistoryPage;
}

class Interrupted extends Error {}

export interface ExportedFile {
  readonly kind: HistoryKind;
  readonly path: string;
  readonly entries: number;
  readonly rows: number;
}

/**
 * `breakwater export`: pages through GET /v1/history with its cursor, one kind
 * at a time, into `<out>/snapshots.<format>` and `<out>/signals.<format>`.
 */
export async function exportCommand(o: ExportOptions, io: Io): Promise<number> {
  const base = httpBase(o.correlator, "--correlator");
  const fromMs = timeFlag(o.from, "--from");
  const toMs = o.to === undefined ? io.now() : timeFlag(o.to, "--to");
  if (toMs <= fromMs) throw new UsageError("--to: must be after --from (from inclusive, to exclusive)");
  const kinds = kindsFlag(o.kinds);
  if (o.pageSize > HISTORY_PAGE.max) throw new UsageError(`--page-size: at most ${HISTORY_PAGE.max}`);
  const [from, to] = [new Date(fromMs).toISOString(), new Date(toMs).toISOString()];
  try {
    mkdirSync(o.out, { recursive: true });
  } catch (err) {
    throw new UsageError(`--out: cannot create ${o.out}: ${(err as Error).message}`);
  }

  // Ctrl-C: the request in flight is abandoned, the unfinished file removed
  let interrupted = false;
  const abandon = new AbortController();
  const stopListening = io.onInterrupt(() => {
    interrupted = true;
    abandon.abort();
  });
  const done: ExportedFile[] = [];
  let current: HistoryFile | undefined;
  try {
    for (const kind of kinds) {
      const spec = KINDS[kind];
      current = openHistoryFile(o.format, join(o.out, `${kind}s.${o.format}`), spec.columns);
      const progress = exportProgress(io, `${kind}s`, fromMs, toMs);
      let cursor = "";
      let entries = 0;
      do {
        if (interrupted) throw new Interrupted();
        const query = cursor
          ? `cursor=${encodeURIComponent(cursor)}`
          : `from=${from}&to=${to}&kinds=${kind}&limit=${o.pageSize}`;
        const page = pageOf(
          await requestJson({
            service: "correlator",
            url: `${base}/v1/history?${query}`,
            timeoutMs: o.timeout,
            signal: abandon.signal,
          }),
        );
        const rows: Cell[][] = [];
        let lastMs = fromMs;
        for (const entry of page.entries) {
          if (entry["kind"] !== kind)
            throw new FailureError(
              `the correlator answered a ${String(entry["kind"])} entry to a ${kind} query`,
            );
          const r = spec.rowsOf(entry);
          rows.push(...r.rows);
          lastMs = r.timeMs;
        }
        await current.write(rows);
        entries += page.entries.length;
        progress.update(lastMs, current.rows);
        cursor = page.nextCursor;
      } while (cursor);
      await current.close();
      progress.done(current.rows);
      done.push({ kind, path: current.path, entries, rows: current.rows });
      current = undefined;
    }
  } catch (err) {
    current?.abort();
    if (interrupted || err instanceof Interrupted) {
      io.err(`\ninterrupted: ${done.length} of ${kinds.length} files written, the unfinished one removed\n`);
      return INTERRUPTED_EXIT_CODE;
    }
    throw err;
  } finally {
    stopListening();
  }

  if (o.json) io.out(jsonText({ from, to, format: o.format, files: done }));
  else
    for (const f of done)
      io.out(`${f.kind}s: ${f.rows} rows from ${f.entries} ${f.kind}s (${from} to ${to}) -> ${f.path}\n`);
  return ExitCode.ok;
}
