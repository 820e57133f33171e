import { createHash } from "node:crypto";
import { fields, issueProblems } from "@breakwater/config";
import {
  type BandSpec,
  bandSpecProblems,
  isTimeZone,
  type PolicyDocument,
  parseLocalDate,
  parseLocalTime,
  WEEKDAYS,
} from "@breakwater/core";
import { parseDocument } from "yaml";
import { z } from "zod";

const fraction = z.number().gt(0, "must be a fraction in (0, 1]").lte(1, "must be a fraction in (0, 1]");
const ms = z.number().int("must be an integer number of milliseconds").min(0);
const positiveMs = ms.positive("must be positive");
const id = fields.id;
const mode = z.enum(["enforce", "shadow"]).default("enforce");
const haltMode = z.enum(["full", "reduce-only"]).default("full");

/** The same fields, all optional and without defaults: an override changes only what it names. */
function overrideShape(shape: z.ZodRawShape): z.ZodRawShape {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => {
      const def = (field as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
      const inner = def.type === "default" && def.innerType ? def.innerType : (field as z.ZodType);
      return [key, inner.optional()];
    }),
  );
}

function rule<K extends string, P extends z.ZodRawShape>(kind: K, params: P) {
  const paramsSchema = z.object(params).strict();
  const overrideParams = z.object(overrideShape(params)).strict();
  return z
    .object({
      kind: z.literal(kind),
      id,
      mode,
      params: paramsSchema,
      overrides: z
        .array(
          z
            .object({
              assets: z.array(z.string().min(1)).optional(),
              markets: z.array(z.string().min(1)).optional(),
              enabled: z.boolean().optional(),
              params: overrideParams.default({}),
            })
            .strict()
            .refine(
              (o) => (o.assets?.length ?? 0) + (o.markets?.length ?? 0) > 0,
              "an override names assets or markets",
            ),
        )
        .default([]),
    })
    .strict();
}

const localTime = z
  .string()
  .refine((t) => parseLocalTime(t) !== undefined, "must be a local time HH:MM or HH:MM:SS (00:00 to 24:00)");
const localDate = z.string().refine((d) => parseLocalDate(d) !== undefined, "must be a date YYYY-MM-DD");

/** Where days and sessions are read: an IANA zone, weekday sessions, holidays. */
const calendar = z
  .object({
    timeZone: z.string().refine(isTimeZone, "must be an IANA time zone (e.g. America/New_York)"),
    sessions: z
      .array(
        z
          .object({
            name: z.string().min(1),
            days: z.array(z.enum(WEEKDAYS)).min(1),
            open: localTime,
            close: localTime,
          })
          .strict(),
      )
      .default([]),
    holidays: z.array(localDate).default([]),
    dayStart: localTime.default("00:00"),
  })
  .strict();

const scope = z.union([z.enum(["asset", "market-wide"]), z.object({ group: z.string().min(1) }).strict()]);

const marketWideLevel = z
  .object({
    level: z.number().int().min(1).max(9),
    threshold: fraction,
    haltMs: ms,
    mode: haltMode,
    notAtOrAfter: localTime.optional(),
    action: z.enum(["halt", "price-limit"]).default("halt"),
  })
  .strict();

const bandTier = z
  .object({
    below: z.number().positive().optional(),
    atMost: z.number().positive().optional(),
    percent: fraction.optional(),
    amount: z.number().positive().optional(),
    combine: z.enum(["lesser", "greater"]).optional(),
  })
  .strict();

/** Band functions: tiers by reference price, rounding to a tick, local-time scale windows. */
const bands = z
  .object({
    tiers: z.array(bandTier).min(1),
    tickSize: z.number().min(0).default(0),
    rounding: z.enum(["nearest", "outward", "inward"]).default("nearest"),
    scale: z
      .array(
        z
          .object({
            from: localTime,
            to: localTime,
            factor: z.number().positive(),
            maxReference: z.number().positive().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const problem of bandSpecProblems(spec as BandSpec))
      ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
  });

const level = z
  .object({ level: z.number().int().min(1).max(9), threshold: fraction, haltMs: ms, mode: haltMode })
  .strict();

const ruleSchema = z.discriminatedUnion("kind", [
  rule("circuit-breaker", {
    levels: z
      .array(level)
      .min(1)
      .refine((ls) => new Set(ls.map((l) => l.level)).size === ls.length, "levels must be distinct"),
    windowMs: positiveMs,
    direction: z.enum(["down", "both"]).default("down"),
    periodMs: positiveMs.default(86_400_000),
    resetOffsetMs: ms.default(0),
  }),
  rule("market-wide-breaker", {
    index: z.string().min(1).optional(),
    calendar,
    closeAt: localTime.default("16:00"),
    levels: z
      .array(marketWideLevel)
      .min(1)
      .refine((ls) => new Set(ls.map((l) => l.level)).size === ls.length, "levels must be distinct"),
    scope: scope.default("market-wide"),
    tickSize: z.number().min(0).default(0),
  }),
  rule("session-limit", {
    index: z.string().min(1).optional(),
    calendar,
    closeAt: localTime,
    sessions: z.array(z.string().min(1)).min(1),
    bands,
  }),
  rule("dynamic-breaker", {
    reference: z
      .object({
        stat: z.enum(["mean", "high", "low"]).default("mean"),
        windowMs: positiveMs.default(3_600_000),
        minSamples: z.number().int().min(1).default(1),
      })
      .strict()
      .prefault({}),
    bands,
    direction: z.enum(["down", "up", "both"]).default("both"),
    pauseMs: positiveMs.default(120_000),
    resetTo: z.enum(["pause-price", "limit"]).default("pause-price"),
    mode: haltMode,
  }),
  rule("limit-band", {
    calendar: calendar.prefault({ timeZone: "UTC" }),
    reference: z
      .object({
        windowMs: positiveMs.default(300_000),
        moveThreshold: z.number().min(0).lt(1).default(0.01),
        minSamples: z.number().int().min(1).default(1),
      })
      .strict()
      .prefault({}),
    bands,
    holdMs: positiveMs.default(15_000),
    pauseMs: positiveMs.default(300_000),
    mode: haltMode,
  }),
  rule("price-band", {
    referenceWindowMs: positiveMs.default(300_000),
    band: fraction,
    holdMs: ms.default(15_000),
    pauseMs: positiveMs.default(300_000),
    mode: haltMode,
    minSamples: z.number().int().min(1).default(3),
  }),
  rule("oracle-divergence", {
    haltDivergence: fraction,
    resumeDivergence: fraction,
    resumeHoldMs: ms.default(60_000),
    mode: haltMode,
  }),
  rule("cascade-risk", {
    pressureThreshold: z.number().positive(),
    multiplier: z.number().min(1),
    correlated: z
      .array(z.object({ asset: z.string().min(1), correlation: z.number().min(-1).max(1) }).strict())
      .default([]),
    minCorrelation: z.number().min(-1).max(1).default(0.8),
  }),
  rule("chain-liveness", {
    minStaleShare: fraction,
    multiplier: z.number().min(1),
    countDegraded: z.boolean().default(true),
    graceMs: ms.default(30_000),
  }),
  rule("margin-model", {
    baselineMargin: fraction,
    halfLifeMs: positiveMs.default(967_000_000), // ≈ 11.2 days: RiskMetrics' daily λ = 0.94
    quantile: z.number().positive().default(2.326),
    horizonMs: positiveMs.default(2 * 86_400_000),
    buffer: z.number().min(0).default(0),
    rebuildPerDay: z.number().min(0).default(0.05),
    stressedWeight: z.number().min(0).max(1).default(0),
    stressedVolatility: z.number().min(0).default(0),
    lookbackMs: positiveMs.default(3_650 * 86_400_000),
    lookbackFloor: z.boolean().default(false),
  }),
  rule("dynamic-margin", { baselineVolatility: z.number().positive(), volatilityWeight: z.number().min(0) }),
]);

const marginSchema = z
  .object({
    id: id.default("margin"),
    mode,
    params: z
      .object({
        floor: z.number().positive().default(1),
        cap: z.number().positive().default(3),
        buffer: z.number().min(0).default(0.25),
        maxStepUp: z.number().positive().default(0.3),
        maxStepDown: z.number().positive().lt(1).default(0.1),
        intervalMs: ms.default(60_000),
        loosenCooldownMs: ms.default(1_800_000),
        minChange: z.number().min(0).default(0.02),
        maintenanceShare: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .refine((p) => p.cap >= p.floor, "cap must be at least the floor")
      .prefault({}),
  })
  .strict();

/** The policy file's schema: unknown keys are errors, every problem is reported by path. */
export const policySchema = z
  .object({
    version: z.literal(1),
    margin: marginSchema.prefault({}),
    groups: z
      .record(
        z.string().min(1),
        z
          .object({
            venues: z.array(z.string().min(1)).default([]),
            markets: z.array(z.string().min(1)).default([]),
          })
          .strict(),
      )
      .optional(),
    rules: z.array(ruleSchema),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.rules.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${r.id}"` });
      seen.add(r.id);
      if (r.kind === "session-limit")
        r.params.sessions.forEach((name, j) => {
          if (!r.params.calendar.sessions.some((s) => s.name === name))
            ctx.addIssue({
              code: "custom",
              path: ["rules", i, "params", "sessions", j],
              message: `no session "${name}" in the calendar`,
            });
        });
      if (r.kind === "market-wide-breaker" && typeof r.params.scope === "object") {
        const name = r.params.scope.group;
        if (!doc.groups?.[name])
          ctx.addIssue({
            code: "custom",
            path: ["rules", i, "params", "scope", "group"],
            message: `no group "${name}" under groups`,
          });
      }
      if (r.kind === "oracle-divergence" && r.params.resumeDivergence > r.params.haltDivergence) {
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "params", "resumeDivergence"],
          message: "must not exceed haltDivergence (resuming needs stronger evidence than halting)",
        });
      }
    });
  });

export type PolicyParse =
  | { readonly ok: true; readonly document: PolicyDocument; readonly hash: string }
  | { readonly ok: false; readonly errors: string[] };

/** Content hash of a policy (what `/v1/policy` and the metric show). */
export function policyHash(document: PolicyDocument): string {
  return createHash("sha256").update(JSON.stringify(document)).digest("hex").slice(0, 12);
}

export interface PolicyParseOptions {
  /** Reads a file a policy names (a calendar's `holidaysFile`), relative to the policy file; throws if it cannot. */
  readonly readInclude?: (relativePath: string) => string;
}

/**
 * A calendar's `holidaysFile` (one `YYYY-MM-DD` per line, `#` comments) is
 * read and its dates join the calendar's `holidays`: the document in force
 * holds the dates themselves, so its hash changes with them.
 */
function includeHolidayFiles(raw: unknown, opts: PolicyParseOptions, errors: string[]): void {
  const rules = (raw as { rules?: unknown })?.rules;
  if (!Array.isArray(rules)) return;
  for (const [i, rule] of rules.entries()) {
    const calendar = (rule as { params?: { calendar?: Record<string, unknown> } })?.params?.calendar;
    if (!calendar || calendar.holidaysFile === undefined) continue;
    const file = calendar.holidaysFile;
    delete calendar.holidaysFile;
    const where = `rules.${i}.params.calendar.holidaysFile`;
    const read = readHolidays(file, opts);
    if (typeof read === "string") errors.push(`${where}: ${read}`);
    else {
      errors.push(...read.problems.map((p) => `${where}: ${p}`));
      calendar.holidays = [...(Array.isArray(calendar.holidays) ? calendar.holidays : []), ...read.dates];
    }
  }
}

/** The dates of a holidays file, or why it cannot be read. */
function readHolidays(
  file: unknown,
  opts: PolicyParseOptions,
): string | { dates: string[]; problems: string[] } {
  if (typeof file !== "string" || file.length === 0) return "must be a file name";
  if (!opts.readInclude) return "only a policy read from a file can name files";
  let text: string;
  try {
    text = opts.readInclude(file);
  } catch (err) {
    return `cannot read ${file}: ${(err as Error).message}`;
  }
  const dates: string[] = [];
  const problems: string[] = [];
  for (const [n, line] of text.split("\n").entries()) {
    const date = line.replace(/#.*/, "").trim();
    if (date.length === 0) continue;
    if (parseLocalDate(date) === undefined)
      problems.push(`${file} line ${n + 1}: "${date}" is not a date YYYY-MM-DD`);
    else dates.push(date);
  }
  return { dates, problems };
}

/** Parses and validates a YAML policy; every problem is reported as `path: message`. */
export function parsePolicy(text: string, opts: PolicyParseOptions = {}): PolicyParse {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0)
    return { ok: false, errors: doc.errors.map((e) => `yaml: ${e.message.split("\n")[0]}`) };
  const raw = doc.toJS();
  const includeErrors: string[] = [];
  includeHolidayFiles(raw, opts, includeErrors);
  if (includeErrors.length > 0) return { ok: false, errors: includeErrors };
  const result = policySchema.safeParse(raw);
  if (!result.success) {
    return {
      ok: false,
      errors: issueProblems(result.error),
    };
  }
  const document = result.data as PolicyDocument;
  return { ok: true, document, hash: policyHash(document) };
}
