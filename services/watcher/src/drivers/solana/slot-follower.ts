import { createHash } from "node:crypto";
import { isRetryable } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import type { BlockEvent, BlockRef, ChainEventSink, ResumeData } from "../../chain-driver.js";
import { abortableSleep } from "../abortable-sleep.js";
import { Troubles } from "../evm/troubles.js";
import type { AccountState } from "./account-state.js";
import { type AccountAdapter, AccountDecodeError, type AccountQuery } from "./adapters/account-adapter.js";
import { base58 } from "./adapters/anchor-discriminator.js";
import { PipelinedPublisher } from "./pipelined-publisher.js";
import { solanaMetrics } from "./solana-metrics.js";
import type { ProgramAccounts, SolanaRpc } from "./solana-rpc.js";

/** Where a run of the driver stands: the last processed slot and the endpoint that served it. */
export interface SlotCursor {
  last: { slot: number; timeMs: number; endpoint: string } | undefined;
  readonly state: AccountState;
}

export interface SlotFollowerDeps {
  readonly chain: string;
  readonly rpc: SolanaRpc;
  readonly adapters: readonly AccountAdapter[];
  readonly log: Logger;
  readonly pollMs: number;
  readonly now: () => number;
  /** What the checkpoint keeps besides the slot. */
  readonly resumeOf: (cursor: SlotCursor) => ResumeData;
}

/** Parts of a partitioned query read at once. */
const PARTITION_CONCURRENCY = 8;

/** One query's accounts: one getProgramAccounts, or 256 (one per value of its partition byte), merged. */
async function readQuery(rpc: SolanaRpc, q: AccountQuery, minSlot: number): Promise<ProgramAccounts> {
  if (q.partitionByte === undefined) return rpc.programAccounts(q.programId, q.filters, minSlot);
  const offset = q.partitionByte;
  const parts: ProgramAccounts[] = [];
  for (let start = 0; start < 256; start += PARTITION_CONCURRENCY)
    parts.push(
      ...(await Promise.all(
        Array.from({ length: PARTITION_CONCURRENCY }, (_, i) =>
          rpc.programAccounts(
            q.programId,
            [...q.filters, { memcmp: { offset, bytes: base58(Uint8Array.of(start + i)) } }],
            minSlot,
          ),
        ),
      )),
    );
  // every part is as of at least minSlot; the set is stamped with the newest part's slot
  const last = parts.reduce((a, b) => (b.slot > a.slot ? b : a));
  return { slot: last.slot, endpoint: last.endpoint, accounts: parts.flatMap((p) => p.accounts) };
}

/** A new account state, recorded once its events are stored. */
interface Change {
  readonly slot: number;
  readonly account: string;
  readonly hash: string;
  readonly eventIds: readonly string[];
}

/** The hash recorded for an account a read no longer holds. */
const CLOSED_HASH = "0000000000000000";

/** How long a rollback deeper than the window keeps the chain in trouble. */
const DEEP_ROLLBACK_ALARM_MS = 300_000;

/** Events per publish batch. */
const PUBLISH_BATCH = 256;
/** Decoding yields to I/O this often (accounts). */
const YIELD_EVERY_ACCOUNTS = 256;

/** The data hash in event ids and checkpoints: 64 bits of sha256, hex (it tells one account's states apart). */
export function dataHash(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 16);
}

export const slotRef = (slot: number, timeMs: number): BlockRef => ({
  number: slot,
  hash: `slot:${slot}`,
  timeMs,
});

/**
 * One run of the Solana driver: each poll asks every endpoint for its slot at
 * the commitment, then reads each adapter's program accounts as of at least
 * that slot (getProgramAccounts withContext + minContextSlot), decodes the
 * accounts whose data changed since they were last published, publishes the
 * events with ids `<chain>:<slot>:<account>:<data hash>` and checkpoints the
 * slot. When the endpoint that served the last slot reports a lower one, a
 * fork dropped slots: the events published from them are retracted (newest
 * first) and the accounts' earlier states restored, so the next read
 * republishes what the surviving fork holds.
 */
export class SlotFollower {
  private readonly troubles: Troubles;
  private woken = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly deps: SlotFollowerDeps,
    private readonly cursor: SlotCursor,
    private readonly sink: ChainEventSink,
    private readonly signal: AbortSignal,
  ) {
    this.troubles = new Troubles(sink);
  }

  async run(): Promise<void> {
    const queries = this.deps.adapters.flatMap((a) => a.queries);
    const unsubscribe = this.deps.rpc.subscribe(queries, () => this.wake());
    try {
      await this.follow();
    } finally {
      await unsubscribe();
    }
  }

  /** A notification arrived: read now rather than at the next poll. */
  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Waits `pollMs`, less when a notification arrives or the run is aborted. */
  private async pause(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const cut = new AbortController();
    const onAbort = () => cut.abort();
    this.signal.addEventListener("abort", onAbort, { once: true });
    this.wakeUp = onAbort;
    await abortableSleep(this.deps.pollMs, cut.signal);
    this.signal.removeEventListener("abort", onAbort);
    this.wakeUp = undefined;
    this.woken = false;
  }

  private async follow(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        await this.poll();
        this.troubles.set("rpc", undefined);
      } catch (err) {
        if (!isRetryable(err)) throw err;
        const message = String((err as Error).message);
        this.deps.log.warn({ chain: this.deps.chain, err: message }, "poll failed; retrying");
        this.troubles.set("rpc", message.slice(0, 400));
      }
      this.troubles.expire(this.deps.now());
      this.troubles.report();
      await this.pause();
    }
  }

  /** One poll: the slot, a rollback if there was one, then the changed accounts. */
  async poll(): Promise<void> {
    const { rpc, chain } = this.deps;
    const { best, reports } = await rpc.slots();
    const timeMs = (await rpc.slotTimeMs(best)) ?? this.deps.now();
    await this.sink.head(slotRef(best, timeMs));
    const last = this.cursor.last;
    if (last && best < last.slot) {
      const server = reports.find((r) => r.name === last.endpoint);
      // only the endpoint that served the slot can take it back; another one is merely behind
      if (server && server.slot < last.slot) await this.rollback(server.slot, timeMs);
      return;
    }
    if (last && best === last.slot) {
      solanaMetrics.slotLag.set({ chain }, 0);
      return;
    }
    await this.readAccounts(best, timeMs);
  }

  private async rollback(slot: number, timeMs: number): Promise<void> {
    const { chain, log } = this.deps;
    const from = this.cursor.last!.slot;
    const deep = this.cursor.state.isDeep(slot);
    const undone = this.cursor.state.rollbackAfter(slot);
    const observedAtMs = this.deps.now();
    const retractions: BlockEvent[] = [];
    for (const { slot: dropped, eventIds } of undone)
      for (const id of eventIds)
        retractions.push({
          kind: "retraction",
          value: {
            eventId: `${id}:retracted`,
            chainId: chain,
            retractedEventId: id,
            reason: `slot rollback: slot ${dropped} dropped by a fork (back to ${slot})`,
            observedAtMs,
          },
        });
    for (const e of retractions) await this.sink.publish(e);
    solanaMetrics.rollbacks.inc({ chain, depth: deep ? "deep" : "window" });
    if (deep) {
      // the window no longer holds what the dropped slots replaced: read every account afresh
      // (states, not deltas: the surviving fork's replace the dropped ones downstream)
      this.cursor.state.clear();
      const detail = `deep slot rollback: back to slot ${slot} from ${from}, beyond the changes the window holds; republishing every account`;
      log.error({ chain, from, to: slot }, "deep slot rollback beyond the window");
      this.troubles.setUntil("deep-rollback", detail, this.deps.now() + DEEP_ROLLBACK_ALARM_MS);
    }
    log.warn(
      { chain, from, to: slot, retracted: retractions.length },
      "slot rollback: retracted the dropped slots' events",
    );
    this.cursor.last = { ...this.cursor.last!, slot, timeMs };
    await this.sink.processed(slotRef(slot, timeMs), this.deps.resumeOf(this.cursor));
  }

  private async readAccounts(minSlot: number, timeMs: number): Promise<void> {
    const { chain, rpc, adapters } = this.deps;
    let slot = minSlot;
    let endpoint = "";
    const publisher = new PipelinedPublisher(this.sink, PUBLISH_BATCH);
    const changes: Change[] = [];
    try {
      for (const adapter of adapters)
        for (const [i, q] of adapter.queries.entries()) {
          const read = await readQuery(rpc, q, minSlot);
          slot = Math.max(slot, read.slot);
          endpoint = read.endpoint;
          solanaMetrics.accountsRead.inc({ chain, adapter: adapter.name }, read.accounts.length);
          await this.decode(adapter, i, read, timeMs, publisher, changes);
        }
    } catch (err) {
      // settle what is in flight before the poll is retried, so nothing of this attempt lingers
      await publisher.drain().catch(() => undefined);
      throw err;
    }
    await publisher.drain();
    // recorded once stored: a failed publish leaves them to the next poll
    for (const c of changes) this.cursor.state.record(c.slot, c.account, c.hash, c.eventIds);
    this.cursor.state.prune(slot);
    this.cursor.last = { slot, timeMs, endpoint };
    solanaMetrics.slotLag.set({ chain }, Math.max(0, minSlot - slot));
    await this.sink.processed(slotRef(slot, timeMs), this.deps.resumeOf(this.cursor));
  }

  /** Decodes the changed accounts of one read and publishes their events, noting each new state in `changes`. */
  private async decode(
    adapter: AccountAdapter,
    query: number,
    read: ProgramAccounts,
    timeMs: number,
    out: PipelinedPublisher,
    changes: Change[],
  ): Promise<void> {
    const { chain, log } = this.deps;
    const state = this.cursor.state;
    const observedAtMs = this.deps.now();
    let decoded = 0;
    const reference = adapter.queries[query]?.reference === true;
    for (const [n, account] of read.accounts.entries()) {
      // let acknowledgements in (and batches out) while a large read decodes
      if (n > 0 && n % YIELD_EVERY_ACCOUNTS === 0) await new Promise((r) => setImmediate(r));
      if (reference) {
        this.decodeReference(adapter, query, account, read.slot, timeMs, observedAtMs);
        continue;
      }
      const hash = dataHash(account.data);
      if (state.hashOf(account.pubkey) === hash) continue;
      const eventId = `${chain}:${read.slot}:${account.pubkey}:${hash}`;
      let events: BlockEvent[];
      try {
        events = adapter.decode(query, account.pubkey, account.data, {
          chainId: chain,
          slot: read.slot,
          slotTimeMs: timeMs,
          observedAtMs,
          eventId,
        });
      } catch (err) {
        if (!(err instanceof AccountDecodeError)) throw err;
        solanaMetrics.accountsRejected.inc({ chain, adapter: adapter.name, reason: err.kind });
        log.warn(
          { chain, adapter: adapter.name, slot: read.slot, reason: err.kind, err: err.message },
          "account rejected",
        );
        // remembered, so the same bytes are not rejected again every poll
        changes.push({ slot: read.slot, account: account.pubkey, hash, eventIds: [] });
        continue;
      }
      for (const e of events) {
        if (e.kind === "position") {
          e.value.coordinates = { blockNumber: read.slot, blockHash: "", logIndex: 0, txHash: "" };
          if (!e.value.chainTimeMs) e.value.chainTimeMs = timeMs;
        } else if (e.kind === "price") {
          e.value.coordinates = { blockNumber: read.slot, blockHash: "", logIndex: 0, txHash: "" };
        }
        await out.submit(e);
      }
      if (events.length > 0) decoded++;
      changes.push({
        slot: read.slot,
        account: account.pubkey,
        hash,
        eventIds: events.map((e) => e.value.eventId),
      });
    }
    if (decoded) solanaMetrics.accountsDecoded.inc({ chain, adapter: adapter.name }, decoded);
    if (!reference && adapter.closed) {
      const present = new Set(read.accounts.map((a) => a.pubkey));
      const gone = adapter.closed(query, present, {
        chainId: chain,
        slot: read.slot,
        slotTimeMs: timeMs,
        observedAtMs,
        eventId: `${chain}:${read.slot}`,
      });
      for (const { account, events } of gone) {
        for (const e of events) {
          if (e.kind === "position")
            e.value.coordinates = { blockNumber: read.slot, blockHash: "", logIndex: 0, txHash: "" };
          await out.submit(e);
        }
        changes.push({
          slot: read.slot,
          account,
          hash: CLOSED_HASH,
          eventIds: events.map((e) => e.value.eventId),
        });
      }
    }
  }

  /** Hands a reference account to its adapter; a rejection is counted like any other. */
  private decodeReference(
    adapter: AccountAdapter,
    query: number,
    account: { pubkey: string; data: Uint8Array },
    slot: number,
    timeMs: number,
    observedAtMs: number,
  ): void {
    const { chain, log } = this.deps;
    try {
      adapter.decode(query, account.pubkey, account.data, {
        chainId: chain,
        slot,
        slotTimeMs: timeMs,
        observedAtMs,
        eventId: `${chain}:${slot}:${account.pubkey}`,
      });
    } catch (err) {
      if (!(err instanceof AccountDecodeError)) throw err;
      solanaMetrics.accountsRejected.inc({ chain, adapter: adapter.name, reason: err.kind });
      log.warn(
        { chain, adapter: adapter.name, slot, reason: err.kind, err: err.message },
        "account rejected",
      );
    }
  }
}
