/**
 * Benchmark helpers. Every benchmark reports its figures next to a baseline
 * measured in the same run, so ratios stay meaningful on noisy machines.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const resultsDir = fileURLToPath(new URL("./results", import.meta.url));

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The same measure for the baseline, when there is one. */
  readonly baseline?: number;
  /** A target the project holds itself to, stated in words (e.g. "<= 1.5x baseline"). */
  readonly target?: string;
  readonly met?: boolean;
}

export interface BenchReport {
  readonly bench: string;
  readonly description: string;
  readonly at: string;
  readonly node: string;
  readonly figures: Figure[];
  readonly notes?: string[];
}

/** p-th percentile (0..100) of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Runs `fn` and returns elapsed milliseconds (high resolution). */
export async function timeMs(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Memory in use after a best-effort GC (run node with --expose-gc for
 * precision): the JS heap plus ArrayBuffer backing stores, which live outside
 * the heap (typed arrays' memory is not in heapUsed). V8 frees dead backing
 * stores on a background thread, so it collects, lets that finish, and
 * collects again.
 */
export async function memoryUsed(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function saveReport(report: Omit<BenchReport, "at" | "node">): BenchReport {
  const full: BenchReport = { ...report, at: new Date().toISOString(), node: process.version };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${report.bench}.json`), `${JSON.stringify(full, null, 2)}\n`);
  printReport(full);
  return full;
}

export function printReport(report: BenchReport): void {
  const out = [`\n## ${report.bench}: ${report.description}`];
  for (const f of report.figures) {
    const base =
      f.baseline === undefined
        ? ""
        : `  baseline ${fmt(f.baseline)} ${f.unit}  ratio ${(f.value / f.baseline).toFixed(2)}x`;
    const target = f.target
      ? `  target ${f.target}${f.met === undefined ? "" : f.met ? " (met)" : " (NOT met)"}`
      : "";
    out.push(`  ${f.name.padEnd(44)} ${fmt(f.value).padStart(12)} ${f.unit}${base}${target}`);
  }
  for (const n of report.notes ?? []) out.push(`  note: ${n}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  return v.toPrecision(4);
}
