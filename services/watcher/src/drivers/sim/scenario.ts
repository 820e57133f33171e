import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fields } from "@breakwater/config";
import { isChainId } from "@breakwater/core";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ScenarioError } from "../../errors.js";

/** The scenario shipped with the package: chains sim-a and sim-b, ETH -8% at +8 s. */
export const DEFAULT_SCENARIO_PATH = fileURLToPath(
  new URL("../../../scenarios/default.yaml", import.meta.url),
);

// Narrower than core's asset ids on purpose: the sim names its markets
// `<ASSET>-PERP` and reads the asset back out of the market.
const ASSET = /^[A-Z][A-Z0-9]{0,15}$/;
const PERP_MARKET = /^([A-Z][A-Z0-9]{0,15})-PERP$/;

const ms = (what: string) => z.number().int(`${what} must be an integer number of ms`).min(0);

const perpVenue = z.strictObject({
  id: fields.venueId,
  kind: z.literal("perp"),
  markets: z.array(z.string().regex(PERP_MARKET, "must be <ASSET>-PERP")).min(1, "needs at least one market"),
});

const lendingVenue = z.strictObject({
  id: fields.venueId,
  kind: z.literal("lending"),
  assets: z.array(z.string().regex(ASSET, "must be an asset symbol")).min(1, "needs at least one asset"),
});

const chain = z.strictObject({
  venues: z.array(z.discriminatedUnion("kind", [perpVenue, lendingVenue])).min(1, "needs at least one venue"),
  accounts: z.number().int().min(1).max(10_000),
});

const shock = z.strictObject({
  asset: z.string(),
  atMs: ms("atMs"),
  /** Relative move reached at the end of the shock: -0.08 is an 8% fall. */
  move: z.number().gt(-1, "must be above -1 (a price cannot fall below zero)").lte(10),
  /** Duration of the move; 0 moves at once. */
  overMs: ms("overMs").default(0),
});

const stall = z.strictObject({
  atMs: ms("atMs"),
  kind: z.literal("stall"),
  forMs: z.number().int().positive("must be positive"),
});

const scenarioSchema = z
  .strictObject({
    seed: z.number().int().min(0),
    blockTimeMs: z.number().int().min(10, "must be at least 10 ms").max(600_000),
    assets: z
      .record(
        z.string().regex(ASSET, "asset symbols are upper-case letters and digits"),
        z.number().positive(),
      )
      .refine((a) => Object.keys(a).length > 0, "needs at least one asset"),
    chains: z
      .record(z.string().refine(isChainId, "chain ids are lowercase letters, digits and dashes"), chain)
      .refine((c) => Object.keys(c).length > 0, "needs at least one chain"),
    oracle: z
      .strictObject({
        everyBlocks: z.number().int().min(1).default(1),
        noiseBps: z.number().min(0).max(1_000).default(0),
      })
      .default({ everyBlocks: 1, noiseBps: 0 }),
    shocks: z.array(shock).default([]),
    repeatEveryMs: ms("repeatEveryMs").default(0),
    faults: z.array(stall).default([]),
  })
  .superRefine((s, ctx) => {
    const known = Object.keys(s.assets);
    const unknown = (asset: string) => `unknown asset "${asset}" (known: ${known.join(", ")})`;
    const venueIds = new Map<string, string>();
    for (const [chainId, c] of Object.entries(s.chains)) {
      c.venues.forEach((venue, i) => {
        const path = ["chains", chainId, "venues", i];
        const seen = venueIds.get(venue.id);
        if (seen)
          ctx.addIssue({ code: "custom", path: [...path, "id"], message: `duplicate venue id (${seen})` });
        venueIds.set(venue.id, `chains.${chainId}.venues.${i}`);
        const list = venue.kind === "perp" ? venue.markets : venue.assets;
        list.forEach((entry, j) => {
          const asset = venue.kind === "perp" ? PERP_MARKET.exec(entry)?.[1] : entry;
          if (asset !== undefined && !(asset in s.assets))
            ctx.addIssue({
              code: "custom",
              path: [...path, venue.kind === "perp" ? "markets" : "assets", j],
              message: unknown(asset),
            });
        });
      });
    }
    s.shocks.forEach((sh, i) => {
      if (!(sh.asset in s.assets))
        ctx.addIssue({ code: "custom", path: ["shocks", i, "asset"], message: unknown(sh.asset) });
      if (s.repeatEveryMs > 0 && sh.atMs + sh.overMs > s.repeatEveryMs)
        ctx.addIssue({
          code: "custom",
          path: ["shocks", i, "atMs"],
          message: `the shock must end within repeatEveryMs (${sh.atMs} + ${sh.overMs} > ${s.repeatEveryMs})`,
        });
    });
  });

/** A validated simulation scenario (defaults filled in). */
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioChain = Scenario["chains"][string];
export type ScenarioVenue = ScenarioChain["venues"][number];
export type ScenarioShock = Scenario["shocks"][number];
export type ScenarioFault = Scenario["faults"][number];

/** Validates a parsed scenario; the error names every bad field by its path. */
export function parseScenario(raw: unknown, source = "scenario"): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ScenarioError(source, result.error.issues.map(describeIssue));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.join(".") : "(root)";
  // a bad record key (chain id, asset symbol) carries the key schema's own message
  const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return `${path}: ${message}`;
}

/** Reads a JSON (`.json`) or YAML scenario file and validates it. */
export function loadScenario(path: string = DEFAULT_SCENARIO_PATH): Scenario {
  let raw: unknown;
  try {
    const text = readFileSync(path, "utf8");
    raw = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ScenarioError(path, [`cannot be read: ${(err as Error).message}`], err);
  }
  return parseScenario(raw, path);
}

/** A short digest of the scenario's content; checkpoints carry it so a changed scenario is noticed. */
export function scenarioFingerprint(scenario: Scenario): string {
  return createHash("sha256").update(canonicalJson(scenario)).digest("hex").slice(0, 16);
}

/** JSON with object keys sorted, so the same content always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/** The asset a perp market trades (`ETH-PERP` → `ETH`). */
export function perpAsset(market: string): string {
  return PERP_MARKET.exec(market)?.[1] ?? market;
}
