import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadGoldenFile, replayCase } from "./golden-replay.js";

const GOLDEN = join(import.meta.dirname, "../../../examples/policies/golden");
const files = readdirSync(GOLDEN).filter((f) => f.endsWith(".golden.yaml"));

describe("golden replay: the published rules' examples", () => {
  it("default: there are golden files", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const { golden, engine } = loadGoldenFile(join(GOLDEN, file));
    describe(file, () => {
      for (const c of golden.cases) {
        it(c.name, () => {
          expect(replayCase(golden, c, engine()).problems).toEqual([]);
        });
      }
    });
  }
});
