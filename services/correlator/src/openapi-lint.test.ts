import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./openapi.js";

// The document /openapi.json serves, linted by Redocly's CLI with its recommended rules (errors
// and warnings both count). No network: telemetry and the update check are off.

const redocly = fileURLToPath(new URL("../../../node_modules/.bin/redocly", import.meta.url));

function lint(doc: unknown): {
  status: number;
  problems: { ruleId: string; severity: string; message: string }[];
} {
  const dir = mkdtempSync(join(tmpdir(), "bw-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(doc));
    let out: string;
    let status = 0;
    try {
      out = execFileSync(redocly, ["lint", "--extends", "recommended", "--format", "json", file], {
        encoding: "utf8",
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", CI: "true" },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 60_000,
      });
    } catch (err) {
      status = (err as { status: number }).status;
      out = (err as { stdout: string }).stdout;
    }
    const report = JSON.parse(out.slice(out.indexOf("{"))) as {
      problems: { ruleId: string; severity: string; message: string }[];
    };
    return { status, problems: report.problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the researcher API's OpenAPI document", () => {
  it("behavior: passes Redocly's recommended rules with no error and no warning", () => {
    const { status, problems } = lint(openApiDocument());
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(status).toBe(0);
  }, 90_000);

  it("behavior: every operation has an id, the document a server, a license and the bearer scheme", () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { operationId?: string }>>;
      servers: unknown[];
      info: { license?: unknown };
      components: { securitySchemes: Record<string, unknown> };
    };
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.info.license).toBeDefined();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(["bearerAuth"]);
  });

  it("behavior: the linter refuses a document without servers (the check can fail)", () => {
    const { servers: _servers, ...withoutServers } = openApiDocument() as Record<string, unknown>;
    const { status, problems } = lint(withoutServers);
    expect(status).not.toBe(0);
    expect(problems.map((p) => p.ruleId)).toContain("no-empty-servers");
  }, 90_000);
});
