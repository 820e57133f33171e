// A one-line progress bar on stderr while an export runs, redrawn in place:
// how far through the time range the last entry read is, and the rows so far.
// Only on a terminal; when stderr is a pipe or a file it prints nothing.
import type { Io } from "../io.js";

const WIDTH = 24;

export interface ExportProgress {
  /** The newest entry time read (Unix ms) and the rows written so far. */
  update(timeMs: number, rows: number): void;
  done(rows: number): void;
}

/** The bar's text: `snapshots [#####-------] 42% 1,234 rows`. */
export function progressLine(label: string, fraction: number, rows: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * WIDTH);
  return `${label.padEnd(9)} [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${String(Math.floor(f * 100)).padStart(3)}% ${rows.toLocaleString("en-US")} rows`;
}

/** A bar for `label` over [fromMs, toMs), or one that prints nothing when stderr is not a terminal. */
export function exportProgress(io: Io, label: string, fromMs: number, toMs: number): ExportProgress {
  if (!io.errIsTty) return { update: () => undefined, done: () => undefined };
  let lastDraw = 0;
  const draw = (fraction: number, rows: number) => io.err(`\r${progressLine(label, fraction, rows)}`);
  return {
    update(timeMs, rows) {
      const now = io.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      draw((timeMs - fromMs) / (toMs - fromMs), rows);
    },
    done(rows) {
      draw(1, rows);
      io.err("\n");
    },
  };
}
