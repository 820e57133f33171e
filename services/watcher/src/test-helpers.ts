// Shared by the integration tests: reading what a watcher put on the bus.
import {
  type Bus,
  buckets,
  type ChainEvent,
  chainEventKindOf,
  decodeChainEvent,
  replay,
  streams,
  subjects,
} from "@breakwater/bus";
import type { ChainHeartbeat, PositionUpdate, PriceTick } from "@breakwater/proto";
import type { ServiceProcess } from "@breakwater/testkit";
import type { Checkpoint } from "./chain-driver.js";

export const WATCHER_ENTRY = "services/watcher/src/main.ts";

export interface ChainLog {
  positions: PositionUpdate[];
  prices: PriceTick[];
  heartbeats: ChainHeartbeat[];
}

/** The chain event a stored message carries when it is one of `chainId`'s (undefined otherwise). */
export function chainEventOf(chainId: string, subject: string, data: Uint8Array): ChainEvent | undefined {
  const kind = chainEventKindOf(subject);
  return kind && subject === subjects[kind](chainId) ? decodeChainEvent(subject, data) : undefined;
}

/** Everything one chain's watcher has published, in stream order. */
export async function readChain(bus: Bus, chainId: string): Promise<ChainLog> {
  const out: ChainLog = { positions: [], prices: [], heartbeats: [] };
  await replay(bus, {
    stream: streams.chainEvents.name,
    onMessage: (subject, data) => {
      const e = chainEventOf(chainId, subject, data);
      if (e?.kind === "position") out.positions.push(e.value);
      else if (e?.kind === "price") out.prices.push(e.value);
      else if (e?.kind === "heartbeat") out.heartbeats.push(e.value);
    },
  });
  return out;
}

/** The chain's checkpoint in the KV bucket. */
export async function checkpointOf(bus: Bus, chainId: string): Promise<Checkpoint | undefined> {
  const kv = await bus.kvm.open(buckets.checkpoints);
  const entry = await kv.get(chainId);
  return entry?.operation === "PUT" ? entry.json<Checkpoint>() : undefined;
}

/** The fields of the watcher's "watcher started" log line. */
export async function startedLine(
  watcher: ServiceProcess,
): Promise<{ chain: string; http: string; resumeFrom: number | null }> {
  return JSON.parse(await watcher.waitFor(/"msg":"watcher started"/));
}

/**
 * Asserts the stream holds every block from 0 to `lastBlock` exactly once
 * (each block has one tick per asset) and no event id twice. Returns problems.
 */
export function coverageProblems(log: ChainLog, lastBlock: number, assets: number): string[] {
  const problems: string[] = [];
  const perBlock = new Map<number, number>();
  for (const p of log.prices) {
    const n = p.coordinates!.blockNumber;
    perBlock.set(n, (perBlock.get(n) ?? 0) + 1);
  }
  for (let n = 0; n <= lastBlock; n++) {
    const count = perBlock.get(n) ?? 0;
    if (count !== assets) problems.push(`block ${n}: ${count} price ticks, expected ${assets}`);
  }
  const ids = [...log.prices, ...log.positions].map((e) => e.eventId);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) problems.push(`event ${id} published twice`);
    seen.add(id);
  }
  return problems;
}
