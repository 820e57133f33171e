import {
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { parseNatsUrls } from "./nats-url.js";
import { type StreamDefinition, streams } from "./subjects.js";

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kvm: Kvm;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** NATS servers, comma-separated; `user:password@` or `token@` in them are the credentials (see parseNatsUrls). */
  readonly url: string;
  /** Client name, shown in the server's connection list. */
  readonly name: string;
  /** Create or update every stream (idempotent). Default true. */
  readonly ensureStreams?: boolean;
}

/** Connects to NATS, reconnecting forever, and makes sure every stream exists. */
export async function connectBus(opts: ConnectOptions): Promise<Bus> {
  const { servers, user, pass, token } = parseNatsUrls(opts.url);
  const nc = await connect({
    servers,
    ...(user === undefined ? {} : { user, pass: pass ?? "" }),
    ...(token === undefined ? {} : { token }),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 5_000,
    noAsyncTraces: true,
  });
  const jsm = await jetstreamManager(nc, { timeout: 5_000 });
  const js = jetstream(nc, { timeout: 5_000 });
  if (opts.ensureStreams ?? true) await ensureStreams(jsm);
  return {
    nc,
    js,
    jsm,
    kvm: new Kvm(nc),
    async close() {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

/**
 * Creates every stream, or updates one that exists to the current definition,
 * so a stream created by an older release (without byte limits, say) gets the
 * limits in force at the next start of any service.
 */
export async function ensureStreams(jsm: JetStreamManager): Promise<void> {
  for (const def of Object.values(streams)) await ensureStream(jsm, def);
}

async function ensureStream(jsm: JetStreamManager, def: StreamDefinition): Promise<void> {
  const config = {
    name: def.name,
    subjects: [...def.subjects],
    description: def.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: def.maxAgeNs,
    max_bytes: def.maxBytes,
    max_msg_size: def.maxMsgBytes,
    duplicate_window: def.duplicateWindowNs,
    num_replicas: 1,
  };
  try {
    await jsm.streams.info(def.name);
    await jsm.streams.update(def.name, config);
  } catch (err) {
    if (!/not found/i.test(String((err as Error).message))) throw err;
    try {
      await jsm.streams.add(config);
    } catch (addErr) {
      // another process created it between our info and add
      if (!/already in use|exists/i.test(String((addErr as Error).message))) throw addErr;
    }
  }
}
