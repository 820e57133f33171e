import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AccountState } from "./account-state.js";
import { newAddress } from "./solana-test-accounts.js";

const hex = fc.stringMatching(/^[0-9a-f]{16}$/);

describe("account state (hashes and rollback window)", () => {
  it("property: a rollback restores exactly the hashes of the slot it goes back to", () => {
    const accounts = Array.from({ length: 5 }, newAddress);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), hex), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 40 }),
        (writes, back) => {
          const state = new AccountState(1_000);
          const snapshots: Map<string, string | undefined>[] = [];
          writes.forEach(([a, h], slot) => {
            snapshots.push(new Map(accounts.map((acct) => [acct, state.hashOf(acct)])));
            state.record(slot, accounts[a]!, h, [`e${slot}`]);
          });
          const to = Math.min(back, writes.length) - 1; // keep slots 0..to
          const undone = state.rollbackAfter(to);
          expect(undone.map((u) => u.eventIds[0])).toEqual(
            writes
              .map((_, s) => `e${s}`)
              .slice(to + 1)
              .reverse(),
          );
          const expected = snapshots[to + 1] ?? new Map(accounts.map((acct) => [acct, state.hashOf(acct)]));
          for (const acct of accounts) expect(state.hashOf(acct)).toBe(expected.get(acct));
        },
      ),
    );
  });

  it("behavior: the checkpoint form round-trips, and stays small: 40 bytes an account, the window capped", () => {
    const state = new AccountState(10_000, 100);
    for (let i = 0; i < 3_000; i++) state.record(i, newAddress(), "0123456789abcdef", [`id-${i}`]);
    state.prune(3_000);
    const saved = state.serialize();
    expect(Buffer.from(saved.hashes, "base64").length).toBe(3_000 * 40);
    const back = AccountState.parse(saved, 10_000);
    expect(back.size).toBe(3_000);
    expect(back.oldestSlot).toBe(2_900);
    expect(back.rollbackAfter(2_998).map((u) => u.eventIds)).toEqual([["id-2999"]]);
    // what the cap forgot makes a rollback below it deep, after a restart too
    expect([back.isDeep(2_898), back.isDeep(2_899)]).toEqual([true, false]);
  });

  it("failure: a damaged checkpoint form is refused", () => {
    expect(() => AccountState.parse({ hashes: "AAAA", recent: "" }, 10)).toThrow(/packed hashes/);
    expect(() => AccountState.parse({ hashes: 1, recent: "" }, 10)).toThrow(/missing/);
  });
});
