import { existsSync } from "node:fs";
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
import {
  connect,
  errors,
  type NatsConnection,
  type NodeConnectionOptions,
  nkeyAuthenticator,
  type TlsOptions,
} from "@nats-io/transport-node";
import type { BusLogger } from "./consume.js";
import { BusAuthenticationError, BusCredentialsError, BusPermissionError } from "./errors.js";
import { busMetrics } from "./metrics.js";
import { parseNatsUrls } from "./nats-url.js";
import { readSeed } from "./nkey-files.js";
import { type BusRole, inboxPrefixOf, roleName, type StreamKey, streamsOwnedBy } from "./permissions.js";
import { type StreamDefinition, streams } from "./subjects.js";

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kvm: Kvm;
  /** The identity this connection acts as, when it connected as one. */
  readonly role?: BusRole | undefined;
  /** Where replies to this connection's requests arrive (its role's private prefix, or the default). */
  readonly inboxPrefix: string;
  /**
   * Calls `listener` for every operation the server refuses this connection
   * (already counted and logged); returns the unsubscribe function.
   */
  onPermissionDenied(listener: (denied: BusPermissionError) => void): () => void;
  close(): Promise<void>;
}

/**
 * How a service proves its identity to NATS: an nkey seed file (what
 * scripts/nats-auth.ts generates and the chart mounts from a Secret). The
 * server's config holds only the public key. Credentials in the URL
 * (`user:password@`, `token@`) still work, but not together with a seed.
 */
export interface NatsCredentials {
  /** A file holding the identity's nkey user seed (SU...), read at every (re)connect. */
  readonly nkeySeedFile?: string | undefined;
}

/** TLS to NATS: the CA that signed the server's certificate, and a client certificate when the server asks for one. */
export interface NatsTls {
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

export interface ConnectOptions {
  /** NATS servers, comma-separated; `user:password@` or `token@` in them are the credentials (see parseNatsUrls). */
  readonly url: string;
  /** Client name, shown in the server's connection list. */
  readonly name: string;
  /**
   * The identity the service acts as: sets its private inbox prefix and which
   * streams it keeps in shape (see permissions.ts). Without a role the
   * connection uses the default inbox and creates or updates every stream.
   */
  readonly role?: BusRole | undefined;
  readonly credentials?: NatsCredentials | undefined;
  readonly tls?: NatsTls | undefined;
  /** Create missing streams, update the ones the role owns (every one without a role). Default true. */
  readonly ensureStreams?: boolean;
  /** How long the first connection may take (ms). Default 20 s, nats.js's. */
  readonly connectTimeoutMs?: number | undefined;
  /** Where refused operations are logged (they are counted in bw_bus_permission_denied_total either way). */
  readonly log?: Pick<BusLogger, "error"> | undefined;
}

/** Connects to NATS, reconnecting forever, and makes sure every stream exists. */
export async function connectBus(opts: ConnectOptions): Promise<Bus> {
  const inboxPrefix = opts.role ? inboxPrefixOf(opts.role) : "_INBOX";
  const nc = await connect({
    ...natsAuthOf(opts),
    ...(opts.tls ? { tls: tlsOf(opts.tls) } : {}),
    name: opts.name,
    inboxPrefix,
    ...(opts.connectTimeoutMs === undefined ? {} : { timeout: opts.connectTimeoutMs }),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 5_000,
    noAsyncTraces: true,
  }).catch((err: unknown) => {
    if (err instanceof errors.AuthorizationError) throw new BusAuthenticationError(opts.name, err);
    throw err;
  });
  const listeners = new Set<(denied: BusPermissionError) => void>();
  const role = opts.role ? roleName(opts.role) : "none";
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type !== "error" || !(s.error instanceof errors.PermissionViolationError)) continue;
      const denied = new BusPermissionError(
        s.error.operation === "publish" ? "publish" : "subscribe",
        s.error.subject,
        s.error,
      );
      busMetrics.permissionDenied.inc({ role, operation: denied.operation });
      opts.log?.error({ err: denied, role, subject: denied.subject }, "NATS denied an operation");
      for (const l of listeners) l(denied);
    }
  })();
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const js = jetstream(nc, { timeout: 5_000 });
    if (opts.ensureStreams ?? true) await ensureStreams(jsm, opts.role);
    return {
      nc,
      js,
      jsm,
      kvm: new Kvm(nc),
      role: opts.role,
      inboxPrefix,
      onPermissionDenied(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async close() {
        if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
      },
    };
  } catch (err) {
    await nc.close();
    throw asPermissionError(err) ?? err;
  }
}

/** The credentials to connect with: the URL's, or the files' (never both). */
function natsAuthOf(opts: ConnectOptions): Partial<NodeConnectionOptions> {
  const { servers, user, pass, token } = parseNatsUrls(opts.url);
  const seedFile = opts.credentials?.nkeySeedFile;
  if (seedFile !== undefined) {
    if (user !== undefined || token !== undefined)
      throw new RangeError("NATS credentials come from the URL or from a seed file, not both");
    readSeed(seedFile); // fail at start, not at the first reconnect
    // read on every (re)connect: a rotated seed is picked up without a restart
    return { servers, authenticator: nkeyAuthenticator(() => readSeed(seedFile)) };
  }
  return {
    servers,
    ...(user === undefined ? {} : { user, pass: pass ?? "" }),
    ...(token === undefined ? {} : { token }),
  };
}

function tlsOf(tls: NatsTls): TlsOptions {
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    throw new RangeError("NATS TLS: a client certificate needs its key, and a key its certificate");
  for (const file of [tls.caFile, tls.certFile, tls.keyFile])
    if (file !== undefined && !existsSync(file)) throw new BusCredentialsError(file, "does not exist");
  return {
    ...(tls.caFile === undefined ? {} : { caFile: tls.caFile }),
    ...(tls.certFile === undefined ? {} : { certFile: tls.certFile }),
    ...(tls.keyFile === undefined ? {} : { keyFile: tls.keyFile }),
  };
}

/** A PermissionViolationError (anywhere in a cause chain) as the bus's typed error. */
export function asPermissionError(err: unknown): BusPermissionError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof BusPermissionError) return e;
    if (e instanceof errors.PermissionViolationError)
      return new BusPermissionError(e.operation === "publish" ? "publish" : "subscribe", e.subject, e);
  }
  return undefined;
}

/**
 * Creates every stream, or updates one that exists to the current definition,
 * so a stream created by an older release (without byte limits, say) gets the
 * limits in force at the next start of any service.
 */
export async function ensureStreams(jsm: JetStreamManager, role?: BusRole): Promise<void> {
  const owned = role ? streamsOwnedBy(role) : (Object.keys(streams) as StreamKey[]);
  for (const [key, def] of Object.entries(streams) as [StreamKey, StreamDefinition][])
    await ensureStream(jsm, def, owned.includes(key));
}

/** Creates the stream when missing; updates it to the definition when `update` (its owner). */
async function ensureStream(jsm: JetStreamManager, def: StreamDefinition, update: boolean): Promise<void> {
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
    if (update) await jsm.streams.update(def.name, config);
  } catch (err) {
    if (!/not found/i.test(String((err as Error).message))) throw err;
    try {
      await jsm.streams.add(config);
    } catch (addErr) {
      // Another process created it between our info and add. Under load the server can
      // answer that race with "subjects overlap" (the stream being created holds them):
      // what counts is whether the stream now exists under our name.
      if (/already in use|exists/i.test(String((addErr as Error).message))) return;
      const created = await jsm.streams.info(def.name).then(
        () => true,
        () => false,
      );
      if (!created) throw addErr;
      if (update) await jsm.streams.update(def.name, config);
    }
  }
}
