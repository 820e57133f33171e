import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "./policy-file.js";

const EXAMPLES = join(import.meta.dirname, "../../../examples/policies");
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml"));

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
    const parsed = parsePolicy(readFileSync(join(EXAMPLES, file), "utf8"));
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
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
