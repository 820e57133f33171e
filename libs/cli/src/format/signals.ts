// Human output of signals and their verification: pure functions.
import { signalKindName } from "@breakwater/core";
import { HaltMode, type Signal } from "@breakwater/proto";
import type { Checked, CheckedSignal, VerifyReport } from "../signals/verification.js";
import { formatDuration, formatList, formatTime } from "./numbers.js";
import { renderTable } from "./table.js";

function haltModeName(mode: HaltMode): string {
  if (mode === HaltMode.HALT_MODE_FULL) return "full";
  if (mode === HaltMode.HALT_MODE_REDUCE_ONLY) return "reduce-only";
  return "unspecified";
}

/** What a signal tells venues to do, in a few words. */
export function describeAction(signal: Signal): string {
  const a = signal.action;
  switch (a?.$case) {
    case "circuitBreaker":
      return `halt level ${a.value.level} ${haltModeName(a.value.mode)} for ${formatDuration(a.value.durationMs)}`;
    case "resume":
      return `resume #${a.value.resumesSequence}`;
    case "marginAdjustment":
      return `margin initial x${a.value.initialMultiplier} maintenance x${a.value.maintenanceMultiplier}`;
    case "priceLimit":
      return `price limit ${a.value.lower || "-"}..${a.value.upper || "-"} for ${formatDuration(a.value.durationMs)}`;
    case "advisory":
      return `advisory ${a.value.code}: ${a.value.message}`;
    default:
      return signal.scope?.internal ? "internal log entry" : "no action";
  }
}

/** The scope, e.g. "assets ETH; venues perp-a, perp-b" ("all" when nothing is named). */
export function describeScope(signal: Signal): string {
  const s = signal.scope;
  if (!s) return "all";
  const parts = (
    [
      ["assets", s.assets],
      ["markets", s.markets],
      ["venues", s.venues],
      ["chains", s.chains],
    ] as const
  )
    .filter(([, v]) => v.length > 0)
    .map(([k, v]) => `${k} ${v.join(",")}`);
  if (s.internal) parts.push("internal");
  return parts.length > 0 ? parts.join("; ") : "all";
}

/** The verdict of one check as printed: "verified" or "FAILED: <reason>". */
export function verdictText(c: Checked): string {
  return c.ok ? "verified" : `FAILED: ${c.reason}`;
}

/** One `signals tail` line. */
export function formatTailLine(c: CheckedSignal): string {
  const s = c.signal;
  return (
    `#${s.sequence}  ${signalKindName(s.kind)}  ${describeAction(s)}  [${describeScope(s)}]  ` +
    `effective ${formatTime(s.effectiveAtMs)}  rule ${s.ruleId || "-"}  key ${s.keyId || "-"}  ${verdictText(c)}\n`
  );
}

/** The verdict name used in JSON output. */
export function verdictName(c: Checked): string {
  return c.ok ? "ok" : c.reason;
}

/** `verify` failures as a table, and the summary line. */
export function formatVerifyReport(r: VerifyReport, opts: { all?: boolean } = {}): string {
  const shown = opts.all ? r.checked : r.checked.filter((c) => !c.ok);
  const table =
    shown.length > 0
      ? renderTable(
          [
            { header: "SEQ", align: "right" },
            { header: "WHERE" },
            { header: "KIND" },
            { header: "SIGNAL ID" },
            { header: "KEY" },
            { header: "VERDICT" },
          ],
          shown.map((c) =>
            c.kind === "signal"
              ? [
                  String(c.signal.sequence),
                  c.where,
                  signalKindName(c.signal.kind),
                  c.signal.signalId,
                  c.signal.keyId || "-",
                  verdictText(c),
                ]
              : ["-", c.where, "-", "-", "-", `MALFORMED: ${c.reason}`],
          ),
        )
      : "";
  const range = r.checked.some((c) => c.kind === "signal")
    ? ` (sequences ${r.firstSequence}-${r.lastSequence})`
    : "";
  const lines = [
    `${r.checked.length} checked${range}: ${r.ok} verified, ${r.failed} failed`,
    ...(r.failed > 0
      ? [
          `failed sequences: ${formatList(
            r.checked
              .filter((c) => !c.ok)
              .map((c) => (c.kind === "signal" ? String(c.signal.sequence) : c.where)),
          )}`,
        ]
      : []),
    ...(r.missing.length > 0 ? [`missing sequences: ${formatList(r.missing)}`] : []),
    ...(r.duplicates.length > 0 ? [`duplicate sequences: ${formatList(r.duplicates.map(String))}`] : []),
  ];
  return `${table}${lines.join("\n")}\n`;
}

/** `verify --json`. */
export function verifyReportJson(r: VerifyReport): Record<string, unknown> {
  return {
    checked: r.checked.length,
    verified: r.ok,
    failed: r.failed,
    firstSequence: r.firstSequence,
    lastSequence: r.lastSequence,
    missing: r.missing,
    duplicates: r.duplicates,
    failures: r.checked
      .filter((c) => !c.ok)
      .map((c) =>
        c.kind === "signal"
          ? {
              sequence: c.signal.sequence,
              signalId: c.signal.signalId,
              keyId: c.signal.keyId,
              where: c.where,
              reason: c.reason,
            }
          : { where: c.where, reason: `malformed: ${c.reason}` },
      ),
  };
}
