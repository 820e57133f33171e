import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";

/** One line per schema problem: `path.to.field: message` (`(root)` for the document itself). */
export function issueProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
}

/**
 * Reads a YAML (or JSON) file and validates it against `schema`; returns every
 * problem, each prefixed with the file's path, instead of throwing.
 */
export function readYamlConfig<S extends z.ZodType>(
  schema: S,
  path: string,
): { ok: true; config: z.output<S> } | { ok: false; problems: string[] } {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    return { ok: false, problems: [`cannot read ${path}: ${(err as Error).message.split("\n")[0]}`] };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, problems: issueProblems(parsed.error).map((p) => `${path}: ${p}`) };
  return { ok: true, config: parsed.data };
}
