/**
 * `make bench`: runs every `bench/*.bench.ts` in its own process (so one
 * benchmark's heap does not skew another's), or only those named in BENCH.
 * Each saves bench/results/<name>.json; a summary goes to bench/results/summary.json.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resultsDir } from "./lib.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const only = (process.env["BENCH"] ?? "").split(",").filter(Boolean);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const failed: string[] = [];
for (const file of files) {
  process.stdout.write(`\n# ${file}\n`);
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(here, file)], {
    stdio: "inherit",
    cwd: join(here, ".."),
  });
  if (r.status !== 0) failed.push(file);
}
const summary = readdirSync(resultsDir)
  .filter((f) => f.endsWith(".json") && f !== "summary.json")
  .map((f) => JSON.parse(readFileSync(join(resultsDir, f), "utf8")));
writeFileSync(join(resultsDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `\nResults: ${resultsDir}/ (${files.length} benchmarks${failed.length ? `, failed: ${failed.join(", ")}` : ""})\n`,
);
process.exit(failed.length ? 1 : 0);
