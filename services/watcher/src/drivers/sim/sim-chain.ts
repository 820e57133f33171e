import { createHash } from "node:crypto";
import { chainEventId, numberToDecimal } from "@breakwater/core";
import type { BlockEvent, BlockRef } from "../../chain-driver.js";
import { MarketPricePath } from "./price-path.js";
import { hash32, mix32, randomStream } from "./random.js";
import type { Scenario } from "./scenario.js";
import { SimTimeline } from "./timeline.js";
import {
  closeSlot,
  isLiquidatable,
  liquidateSlot,
  openSlot,
  type PositionDraft,
  type PositionSlot,
  positionSlots,
  resizeSlot,
  slotDrafts,
} from "./venues.js";

/** Positions opened per block while the accounts first enter the market. */
const OPENS_PER_BLOCK = 20;
/** Chances per block of one random position change (resize, close, re-open). */
const ACTIVITY_DRAWS = 2;
const ACTIVITY_CHANCE = 0.4;

export interface SimBlock {
  readonly ref: BlockRef;
  readonly events: BlockEvent[];
}

/** The deterministic hash of block `n`: a function of the seed, the chain and `n` only. */
export function simBlockHash(seed: number, chainId: string, n: number): string {
  return `0x${createHash("sha256").update(`bw-sim-block:${seed}:${chainId}:${n}`).digest("hex")}`;
}

/**
 * One simulated chain as a pure state machine: block `n`'s content depends
 * only on the scenario, the chain id and `n` (the state it folds over is
 * itself built from blocks 0..n-1). Replaying from genesis to a checkpoint and
 * continuing yields exactly the blocks, events and ids of an uninterrupted run.
 *
 * Each block holds, in this order: oracle ticks (every `oracle.everyBlocks`
 * blocks, one per asset), liquidations of positions whose liquidation price
 * the oracle crossed, first openings (the first blocks), then a few random
 * resizes, closes and re-opens.
 */
export class SimChain {
  readonly timeline: SimTimeline;
  private readonly prices: MarketPricePath;
  private readonly slots: PositionSlot[];
  private readonly oracle = new Map<string, number>();
  private readonly assets: string[];
  private readonly rngKey: number;
  private opened = 0;
  private nextNumber = 0;

  constructor(
    private readonly scenario: Scenario,
    readonly chainId: string,
    genesisMs: number,
  ) {
    const chain = scenario.chains[chainId];
    if (!chain) throw new RangeError(`chain ${chainId} is not in the scenario`);
    this.timeline = new SimTimeline(genesisMs, scenario.blockTimeMs, scenario.faults);
    this.prices = new MarketPricePath(scenario);
    this.slots = positionSlots(scenario.seed, chainId, chain);
    // sorted: block content must not depend on the order of keys in the file
    this.assets = Object.keys(scenario.assets).sort();
    this.rngKey = hash32(`bw-sim-rng:${scenario.seed}:${chainId}`);
  }

  /** The number of the block `produce()` builds next. */
  get next(): number {
    return this.nextNumber;
  }

  ref(n: number): BlockRef {
    return {
      number: n,
      hash: simBlockHash(this.scenario.seed, this.chainId, n),
      timeMs: this.timeline.timeOf(n),
    };
  }

  /** Builds the next block with its events. */
  produce(): SimBlock {
    const n = this.nextNumber;
    const ref = this.ref(n);
    const events: BlockEvent[] = [];
    this.advance((draft) => events.push(this.toEvent(ref, events.length, draft)));
    return { ref, events };
  }

  /** Advances the state through block `n` without building events (resuming from a checkpoint). */
  skipThrough(n: number): void {
    while (this.nextNumber <= n) this.advance(() => undefined);
  }

  private advance(emit: (draft: BlockDraft) => void): void {
    const n = this.nextNumber++;
    const rng = randomStream(mix32(this.rngKey, n));
    const offsetMs = this.timeline.offsetOf(n);
    const { everyBlocks, noiseBps } = this.scenario.oracle;
    if (n % everyBlocks === 0) {
      for (const asset of this.assets) {
        const noise = ((rng() * 2 - 1) * noiseBps) / 10_000;
        const price = this.prices.price(asset, offsetMs) * (1 + noise);
        this.oracle.set(asset, price);
        emit({ kind: "price", asset, price });
      }
    }
    const emitSlot = (slot: PositionSlot) => {
      for (const position of slotDrafts(slot)) emit({ kind: "position", position });
    };
    for (const slot of this.slots) {
      if (isLiquidatable(slot, this.oracle.get(slot.asset)!)) {
        liquidateSlot(slot);
        emitSlot(slot);
      }
    }
    if (n >= 1) {
      const target = Math.min(this.slots.length, n * OPENS_PER_BLOCK);
      for (; this.opened < target; this.opened++) {
        const slot = this.slots[this.opened]!;
        openSlot(slot, this.oracle.get(slot.asset)!, rng);
        emitSlot(slot);
      }
    }
    for (let d = 0; d < ACTIVITY_DRAWS; d++) {
      if (this.opened === 0 || rng() >= ACTIVITY_CHANCE) continue;
      const slot = this.slots[Math.floor(rng() * this.opened)]!;
      const price = this.oracle.get(slot.asset)!;
      if (slot.status !== "open") openSlot(slot, price, rng);
      else if (rng() < 0.65) resizeSlot(slot, price, rng);
      else closeSlot(slot);
      emitSlot(slot);
    }
  }

  private toEvent(ref: BlockRef, logIndex: number, draft: BlockDraft): BlockEvent {
    const eventId = chainEventId(this.chainId, ref.hash, logIndex);
    const coordinates = {
      blockNumber: ref.number,
      blockHash: ref.hash,
      logIndex,
      txHash: `0x${createHash("sha256").update(`${ref.hash}:${logIndex}`).digest("hex")}`,
    };
    const common = {
      eventId,
      chainId: this.chainId,
      coordinates,
      chainTimeMs: ref.timeMs,
      observedAtMs: ref.timeMs,
    };
    if (draft.kind === "price") {
      return {
        kind: "price",
        value: {
          ...common,
          source: `sim-oracle:${this.chainId}`,
          asset: draft.asset,
          price: numberToDecimal(draft.price, 6),
        },
      };
    }
    return { kind: "position", value: { ...common, ...draft.position } };
  }
}

type BlockDraft =
  | { readonly kind: "price"; readonly asset: string; readonly price: number }
  | { readonly kind: "position"; readonly position: PositionDraft };
