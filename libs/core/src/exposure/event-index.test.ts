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
            const { lastH1: a, lastH2: b, lastH3: c } = index;
            if (add && !model.has(id)) {
              index.insert(a, b, c, v);
              model.set(id, v);
            } else if (!add) {
              expect(index.remove(a, b, c)).toBe(model.delete(id));
            }
          }
          expect(index.size).toBe(model.size);
          for (const [id, v] of model) {
            index.hash(id);
            expect(index.find(index.lastH1, index.lastH2, index.lastH3)).toBe(v);
          }
          index.hash("never-inserted-id-xyz");
          expect(index.find(index.lastH1, index.lastH2, index.lastH3)).toBe(
            model.get("never-inserted-id-xyz") ?? -1,
          );
        },
      ),
    );
  });

  it("behavior: ids sharing two of the three hashes stay distinct", () => {
    const index = new EventIndex(4);
    index.insert(7, 11, 1, 100);
    index.insert(7, 11, 2, 200);
    expect(index.find(7, 11, 1)).toBe(100);
    expect(index.find(7, 11, 2)).toBe(200);
    expect(index.find(7, 11, 3)).toBe(-1);
    expect(index.remove(7, 11, 1)).toBe(true);
    expect(index.find(7, 11, 2)).toBe(200);
  });

  it("behavior: the three hashes of an id and of a composite key are deterministic and differ between ids", () => {
    const index = new EventIndex();
    const of = (f: () => void) => {
      f();
      return [index.lastH1, index.lastH2, index.lastH3];
    };
    expect(of(() => index.hash("evm-1:0xabc:3"))).toEqual(of(() => index.hash("evm-1:0xabc:3")));
    expect(of(() => index.hash("evm-1:0xabc:3"))).not.toEqual(of(() => index.hash("evm-1:0xabc:4")));
    // parts are separated: moving a character across a boundary changes the key
    expect(of(() => index.hashKey("ab", "c", "d", "e"))).not.toEqual(
      of(() => index.hashKey("a", "bc", "d", "e")),
    );
  });
});
