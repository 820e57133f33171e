import { Signal } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { formatVerifyReport, verifyReportJson } from "./format/signals.js";
import { parseSignalFile, verifyEntries } from "./signals/verification.js";
import { haltSignal, signer } from "./test-fixtures.js";

const { key, sign } = signer();
const pinned = [{ keyId: key.keyId, publicKey: key.publicKey }];
const jsonl = (signals: Signal[]) =>
  signals.map((s) => JSON.stringify({ verified: "ok", signal: Signal.toJSON(s) })).join("\n");

describe("signals verify, pure part", () => {
  it("signals signed by the pinned key verify after a round trip through `tail --json` lines", () => {
    const entries = parseSignalFile(jsonl([sign(haltSignal(1)), sign(haltSignal(2))]), "f.jsonl");
    const r = verifyEntries(pinned, entries);
    expect(r).toMatchObject({ ok: 2, failed: 0, firstSequence: 1, lastSequence: 2, missing: [] });
    expect(formatVerifyReport(r)).toBe("2 checked (sequences 1-2): 2 verified, 0 failed\n");
  });

  it("a tampered signal fails as bad_signature, named by sequence and line", () => {
    const tampered = { ...sign(haltSignal(2)), reason: "nothing happened" };
    const r = verifyEntries(pinned, parseSignalFile(jsonl([sign(haltSignal(1)), tampered]), "f.jsonl"));
    expect(r.failed).toBe(1);
    const text = formatVerifyReport(r);
    expect(text).toMatch(/^\s*2\s+f\.jsonl:line 2\s+circuit_breaker\s+.*FAILED: bad_signature$/m);
    expect(text).toContain("failed sequences: 2");
    expect(verifyReportJson(r)["failures"]).toEqual([
      expect.objectContaining({ sequence: 2, reason: "bad_signature", where: "f.jsonl:line 2" }),
    ]);
  });

  it("a signal by another key is unknown_key; an unsigned one is unsigned; garbage lines are malformed", () => {
    const other = signer();
    const text = [
      JSON.stringify(Signal.toJSON(other.sign(haltSignal(1)))),
      JSON.stringify(Signal.toJSON(haltSignal(2))),
      "{not json",
      JSON.stringify({ hello: "world" }),
    ].join("\n");
    const r = verifyEntries(pinned, parseSignalFile(text));
    expect(r.checked.map((c) => (c.ok ? "ok" : c.reason))).toEqual([
      "unknown_key",
      "unsigned",
      "not JSON",
      "no sequence: not a signal",
    ]);
    expect(r.failed).toBe(4);
  });

  it("reads the coordinator's /v1/signals answer and reports missing and duplicate sequences", () => {
    const body = JSON.stringify({
      lastSequence: 5,
      signals: [1, 2, 5, 5].map((n) => Signal.toJSON(sign(haltSignal(n)))),
    });
    const r = verifyEntries(pinned, parseSignalFile(body));
    expect(r).toMatchObject({ ok: 4, missing: ["3-4"], duplicates: [5] });
    expect(formatVerifyReport(r)).toContain("missing sequences: 3-4");
  });

  it("a key pinned with a validity that excludes the issue time fails as key_not_valid_at_issue", () => {
    const s = sign(haltSignal(1));
    const r = verifyEntries(
      [{ ...pinned[0]!, notAfterMs: s.issuedAtMs - 1 }],
      parseSignalFile(JSON.stringify(Signal.toJSON(s))),
    );
    expect(r.checked[0]).toMatchObject({ ok: false, reason: "key_not_valid_at_issue" });
  });
});
