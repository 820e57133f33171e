import { readFileSync } from "node:fs";
import { BreakwaterError, type ErrorStatus } from "@breakwater/core";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";

/** Configuration that failed validation; `problems` names every bad field. */
export class ConfigError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  readonly problems: readonly string[];
  constructor(service: string, problems: readonly string[]) {
    super(
      "invalid_config",
      `invalid ${service} configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      {
        service,
      },
    );
    this.problems = problems;
  }
}

export interface LoadOptions {
  readonly service: string;
  /** Environment variable → config key (top-level keys only). */
  readonly env?: Readonly<Record<string, string>>;
  /** Command-line flag (without `--`) → config key. */
  readonly flags?: Readonly<Record<string, string>>;
  readonly argv?: readonly string[];
  readonly environment?: NodeJS.ProcessEnv;
}

/**
 * Loads a service's configuration: schema defaults, then a YAML/JSON file
 * (`--config PATH` or `BW_CONFIG`), then environment variables, then flags.
 * Every problem is collected and reported at once.
 */
export function loadConfig<S extends z.ZodType>(schema: S, opts: LoadOptions): z.infer<S> {
  const argv = opts.argv ?? process.argv.slice(2);
  const environment = opts.environment ?? process.env;
  const problems: string[] = [];
  const flags = parseFlags(argv, problems);

  let raw: Record<string, unknown> = {};
  const file = flags.get("config") ?? environment["BW_CONFIG"];
  if (file) {
    try {
      const text = readFileSync(file, "utf8");
      const parsed: unknown = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
        raw = parsed as Record<string, unknown>;
      else if (parsed != null) problems.push(`${file}: must contain a mapping of settings`);
    } catch (err) {
      problems.push(`${file}: cannot be read: ${(err as Error).message}`);
    }
  }
  for (const [name, key] of Object.entries(opts.env ?? {})) {
    const value = environment[name];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  for (const [flag, value] of flags) {
    if (flag === "config") continue;
    const key = opts.flags?.[flag];
    if (key) raw[key] = value;
    else
      problems.push(
        `--${flag}: unknown flag (known: ${["config", ...Object.keys(opts.flags ?? {})].map((f) => `--${f}`).join(", ")})`,
      );
  }

  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.length ? issue.path.join(".") : "(root)";
      const source = sourceOf(String(issue.path[0] ?? ""), opts);
      problems.push(`${path}${source}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(opts.service, problems);
  return result.data as z.infer<S>;
}

function sourceOf(key: string, opts: LoadOptions): string {
  const envName = Object.entries(opts.env ?? {}).find(([, k]) => k === key)?.[0];
  return envName ? ` (env ${envName})` : "";
}

function parseFlags(argv: readonly string[], problems: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      problems.push(`argument "${arg}": expected --flag value`);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) flags.set(arg.slice(2), argv[++i]!);
    else problems.push(`${arg}: needs a value`);
  }
  return flags;
}
