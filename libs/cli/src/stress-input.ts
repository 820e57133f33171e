import { parse as parseYaml } from "yaml";
import { messageOf, UsageError } from "./errors.js";

/** The `POST /v1/stress` body (the correlator's RunStressRequest JSON). */
export interface StressBody {
  shocks: { asset: string; move: number }[];
  maxRounds?: number;
  depth?: { asset: string; notionalPer1pct: number; exponent: number }[];
  insuranceFunds?: { venueId: string; amount: number }[];
  propagate?: boolean;
}

/** The stress flags, as given. */
export interface StressFlags {
  readonly shock: readonly string[];
  readonly depth: readonly string[];
  readonly fund: readonly string[];
  readonly maxRounds?: number;
  readonly propagate?: boolean;
}

const KEYS = ["shocks", "maxRounds", "depth", "insuranceFunds", "propagate"];

function finite(text: string, what: string): number {
  const t = text.trim();
  const n = t === "" ? Number.NaN : Number(t);
  if (!Number.isFinite(n)) throw new UsageError(`${what}: "${text}" is not a number`);
  return n;
}

function pair(text: string, flag: string, shape: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`${flag}: "${text}" is not ${shape}`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

/** `--shock ASSET=MOVE`: MOVE a fraction (`-0.2`) or a percentage (`-20%`). */
export function parseShock(text: string): { asset: string; move: number } {
  const [asset, value] = pair(text, "--shock", "ASSET=MOVE (e.g. ETH=-0.2 or ETH=-20%)");
  const move = value.endsWith("%")
    ? finite(value.slice(0, -1), `--shock ${asset}`) / 100
    : finite(value, `--shock ${asset}`);
  return { asset, move };
}

/** `--depth ASSET=NOTIONAL_PER_1PCT[:EXPONENT]` (exponent 1 = linear book, the default). */
export function parseDepth(text: string): { asset: string; notionalPer1pct: number; exponent: number } {
  const [asset, value] = pair(text, "--depth", "ASSET=NOTIONAL_PER_1PCT[:EXPONENT] (e.g. ETH=25000000:0.5)");
  const [notional, exponent] = value.split(":");
  return {
    asset,
    notionalPer1pct: finite(notional ?? "", `--depth ${asset}`),
    exponent: exponent === undefined ? 1 : finite(exponent, `--depth ${asset} exponent`),
  };
}

/** `--fund VENUE=AMOUNT`: an insurance fund override. */
export function parseFund(text: string): { venueId: string; amount: number } {
  const [venueId, value] = pair(text, "--fund", "VENUE=AMOUNT (e.g. perp-a=5000000)");
  return { venueId, amount: finite(value, `--fund ${venueId}`) };
}

/**
 * A scenario file: JSON or YAML holding the body's fields. Only the shape is
 * checked here (top-level keys and list types); the correlator validates the rest.
 */
export function parseScenarioFile(text: string, path: string): StressBody {
  let doc: unknown;
  try {
    doc = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`--file ${path}: cannot parse: ${messageOf(err)}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new UsageError(
      `--file ${path}: expected an object with shocks, maxRounds, depth, insuranceFunds, propagate`,
    );
  const o = doc as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0)
    throw new UsageError(`--file ${path}: unknown key ${unknown.join(", ")} (known: ${KEYS.join(", ")})`);
  for (const k of ["shocks", "depth", "insuranceFunds"]) {
    if (o[k] !== undefined && !Array.isArray(o[k]))
      throw new UsageError(`--file ${path}: ${k} must be a list`);
  }
  if (o["propagate"] !== undefined && typeof o["propagate"] !== "boolean")
    throw new UsageError(`--file ${path}: propagate must be true or false`);
  if (o["maxRounds"] !== undefined && typeof o["maxRounds"] !== "number")
    throw new UsageError(`--file ${path}: maxRounds must be a number`);
  return { shocks: [], ...(o as Partial<StressBody>) } as StressBody;
}

/** The body: the file's scenario (if any), flags' shocks, depth and funds appended, scalars overridden. */
export function stressBodyOf(file: StressBody | undefined, flags: StressFlags): StressBody {
  const body: StressBody = {
    ...file,
    shocks: [...(file?.shocks ?? []), ...flags.shock.map(parseShock)],
  };
  const depth = [...(file?.depth ?? []), ...flags.depth.map(parseDepth)];
  if (depth.length > 0) body.depth = depth;
  const funds = [...(file?.insuranceFunds ?? []), ...flags.fund.map(parseFund)];
  if (funds.length > 0) body.insuranceFunds = funds;
  if (flags.maxRounds !== undefined) body.maxRounds = flags.maxRounds;
  if (flags.propagate !== undefined) body.propagate = flags.propagate;
  if (body.shocks.length === 0)
    throw new UsageError("stress: give at least one shock (--shock ASSET=MOVE, or shocks in --file)");
  return body;
}
