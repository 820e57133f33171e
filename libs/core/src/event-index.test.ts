import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventIndex } from "./event-index.js";

describe("EventIndex", () => {
  it("property: behaves like a Map from id to value under inserts and removals", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 12 }), fc.nat(1000)), { maxLength: 300 }),
        (ops) => {
          const index = new EventIndex(4);
          const model = new Map<string, number>();
          for (const [add, id, v] of ops) {
            index.hash(id);
            const { lastH1: a, lastH2: b } = index;
            if (add && !model.has(id)) {
              index.insert(a, b, v);
              model.set(id, v);
            } else if (!add) {
              expect(index.remove(a, b)).toBe(model.delete(id));
            }
          }
          expect(index.size).toBe(model.size);
          for (const [id, v] of model) {
            index.hash(id);
            expect(index.find(index.lastH1, index.lastH2)).toBe(v);
          }
          index.hash("never-inserted-id-xyz");
          expect(index.find(index.lastH1, index.lastH2)).toBe(model.get("never-inserted-id-xyz") ?? -1);
        },
      ),
    );
  });
});
