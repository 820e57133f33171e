import { SignalVerifier, type TrustedKey, type VerifyFailure } from "@breakwater/core";
import { Signal } from "@breakwater/proto";

/** One entry checked: a signal with its verdict, or an entry that is not a signal at all. */
export type Checked =
  | { readonly kind: "signal"; readonly signal: Signal; readonly ok: true; readonly where: string }
  | {
      readonly kind: "signal";
      readonly signal: Signal;
      readonly ok: false;
      readonly reason: VerifyFailure;
      readonly where: string;
    }
  | { readonly kind: "malformed"; readonly ok: false; readonly reason: string; readonly where: string };

/** A signal checked (not a malformed entry). */
export type CheckedSignal = Extract<Checked, { kind: "signal" }>;

/** An entry of a file or a page, before checking. */
export type Entry =
  | { readonly signal: Signal; readonly where: string }
  | { readonly malformed: string; readonly where: string };

/** The verdict on every entry, and the sequences a contiguous range is missing. */
export interface VerifyReport {
  readonly checked: readonly Checked[];
  readonly ok: number;
  readonly failed: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
  /** Sequences between the first and the last that no entry had (ranges `a-b`). */
  readonly missing: readonly string[];
  /** Sequences that appear more than once. */
  readonly duplicates: readonly number[];
}

/** Checks one signal against the pinned keys. */
export function checkSignal(verifier: SignalVerifier, signal: Signal, where: string): CheckedSignal {
  const v = verifier.verify(signal);
  return v.ok
    ? { kind: "signal", signal, ok: true, where }
    : { kind: "signal", signal, ok: false, reason: v.reason, where };
}

/** Verifies entries with the given pinned keys (pure: no I/O). */
export function verifyEntries(keys: readonly TrustedKey[], entries: readonly Entry[]): VerifyReport {
  const verifier = new SignalVerifier(keys);
  const checked: Checked[] = entries.map((e) =>
    "signal" in e
      ? checkSignal(verifier, e.signal, e.where)
      : { kind: "malformed", ok: false, reason: e.malformed, where: e.where },
  );
  return summarize(checked);
}

/** Counts, gaps and duplicates of what was checked. */
export function summarize(checked: readonly Checked[]): VerifyReport {
  const seqs = checked.flatMap((c) => (c.kind === "signal" ? [c.signal.sequence] : []));
  const sorted = [...seqs].sort((a, b) => a - b);
  const duplicates = [...new Set(sorted.filter((s, i) => i > 0 && sorted[i - 1] === s))];
  const missing: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur > prev + 1) missing.push(cur === prev + 2 ? String(prev + 1) : `${prev + 1}-${cur - 1}`);
  }
  const ok = checked.filter((c) => c.ok).length;
  return {
    checked,
    ok,
    failed: checked.length - ok,
    firstSequence: sorted[0] ?? 0,
    lastSequence: sorted[sorted.length - 1] ?? 0,
    missing,
    duplicates,
  };
}

function entryOf(item: unknown, where: string): Entry {
  if (typeof item !== "object" || item === null || Array.isArray(item))
    return { malformed: "not a JSON object", where };
  // `signals tail --json` lines wrap the signal with its verdict
  const o = (item as { signal?: unknown }).signal ?? item;
  if (typeof o !== "object" || o === null) return { malformed: "signal is not an object", where };
  const seq = (o as { sequence?: unknown }).sequence;
  if (!(typeof seq === "number" || (typeof seq === "string" && /^\d+$/.test(seq))))
    return { malformed: "no sequence: not a signal", where };
  try {
    return { signal: Signal.fromJSON(o), where };
  } catch (err) {
    return { malformed: `not a signal: ${err instanceof Error ? err.message : String(err)}`, where };
  }
}

/**
 * The signals of a file: JSON lines (what `signals tail --json` prints: each
 * line a signal or `{verified, signal}`), a JSON array of signals, or the
 * coordinator's `GET /v1/signals` answer (`{signals: [...]}`).
 */
export function parseSignalFile(text: string, name = ""): Entry[] {
  const at = (where: string) => (name ? `${name}:${where}` : where);
  const trimmed = text.trim();
  if (trimmed === "") return [];
  try {
    const doc: unknown = JSON.parse(trimmed);
    if (Array.isArray(doc)) return doc.map((item, i) => entryOf(item, at(`entry ${i + 1}`)));
    if (typeof doc === "object" && doc !== null && Array.isArray((doc as { signals?: unknown }).signals))
      return (doc as { signals: unknown[] }).signals.map((item, i) => entryOf(item, at(`entry ${i + 1}`)));
    return [entryOf(doc, at("line 1"))];
  } catch {
    // JSON lines
  }
  const entries: Entry[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const where = at(`line ${i + 1}`);
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch {
      entries.push({ malformed: "not JSON", where });
      return;
    }
    entries.push(entryOf(item, where));
  });
  return entries;
}
