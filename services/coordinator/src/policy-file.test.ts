import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type PolicyParseOptions, parsePolicy } from "./policy-file.js";

const EXAMPLES = join(import.meta.dirname, "../../../examples/policies");
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml"));
const beside = (relative: string) => readFileSync(join(EXAMPLES, relative), "utf8");

const mwcb = (params: string, extra = "") => `
version: 1
${extra}
rules:
  - kind: market-wide-breaker
    id: mwcb
    params:
      index: SPX
${params}
`;
const CALENDAR = `      calendar: { timeZone: America/New_York, sessions: [{ name: r, days: [mon], open: "09:30", close: "16:00" }] }
      levels: [{ level: 1, threshold: 0.07, haltMs: 900000, notAtOrAfter: "15:25" }]`;

describe("policy file", () => {
  it.each(examples)("default: examples/policies/%s parses", (file) => {
    const parsed = parsePolicy(readFileSync(join(EXAMPLES, file), "utf8"), { readInclude: beside });
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
  });

  it("behavior: a calendar's holidaysFile is read beside the policy and its dates join the holidays", () => {
    const parsed = parsePolicy(readFileSync(join(EXAMPLES, "rule-80b.yaml"), "utf8"), {
      readInclude: beside,
    });
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    const rule = parsed.document.rules[0]!;
    expect(rule.kind === "market-wide-breaker" && rule.params.calendar.holidays).toContain("2026-01-19");
    expect(rule.kind === "market-wide-breaker" && rule.params.calendar.holidays).toHaveLength(10);
  });

  it.each<[string, PolicyParseOptions, string]>([
    ["a file that cannot be read", { readInclude: beside }, "cannot read missing.txt"],
    [
      "a line that is no date",
      { readInclude: () => "2026-01-01\n2026-13-01\n" },
      'line 2: "2026-13-01" is not a date',
    ],
    ["a policy not read from a file", {}, "only a policy read from a file can name files"],
  ])("validation: holidaysFile, %s, is rejected by path", (_name, opts, message) => {
    const parsed = parsePolicy(
      mwcb(CALENDAR.replace("sessions:", "holidaysFile: missing.txt, sessions:")),
      opts,
    );
    const errors = parsed.ok ? "" : parsed.errors.join("\n");
    expect(errors).toContain("rules.0.params.calendar.holidaysFile: ");
    expect(errors).toContain(message);
  });

  it("behavior: a market-wide breaker defaults to a 16:00 close and market-wide scope", () => {
    const parsed = parsePolicy(mwcb(CALENDAR));
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    expect(parsed.document.rules[0]!.params).toMatchObject({ closeAt: "16:00", scope: "market-wide" });
  });

  it.each<[string, string, string]>([
    [
      "an unknown time zone",
      CALENDAR.replace("America/New_York", "America/NewYork"),
      "rules.0.params.calendar.timeZone: must be an IANA time zone",
    ],
    [
      "a cut-off that is no time",
      CALENDAR.replace('"15:25"', '"3:25pm"'),
      "rules.0.params.levels.0.notAtOrAfter",
    ],
    [
      "a weekday misspelt",
      CALENDAR.replace("[mon]", "[monday]"),
      "rules.0.params.calendar.sessions.0.days.0",
    ],
    ["a group that does not exist", `${CALENDAR}\n      scope: { group: us }`, 'no group "us" under groups'],
  ])("validation: %s is rejected by path", (_name, params, message) => {
    const parsed = parsePolicy(mwcb(params));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join("\n")).toContain(message);
  });

  it("behavior: a named group is accepted when groups defines it", () => {
    const parsed = parsePolicy(
      mwcb(`${CALENDAR}\n      scope: { group: us }`, "groups:\n  us: { venues: [v1], markets: [ES-PERP] }"),
    );
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
  });
});
