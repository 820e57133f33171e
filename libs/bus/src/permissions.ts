/**
 * What each Breakwater service may do on NATS, derived from the subjects,
 * streams, consumers and buckets in subjects.ts: the one place the
 * authorization config (authorization.ts) and the clients (connection.ts)
 * take their rules from.
 *
 * A role may publish only what it writes and subscribe only to its own inbox:
 * every read goes through the JetStream API (stream and consumer requests,
 * pulls, acks), whose replies come back to the role's private inbox prefix,
 * so one service cannot see another's replies. Venues have no role: they
 * never touch NATS.
 */
import { buckets, consumers, streams, subjects, subjectToken } from "./subjects.js";

/** A service's identity on the bus. */
export type BusRole =
  | { readonly kind: "watcher"; readonly chain: string }
  | { readonly kind: "correlator" }
  | { readonly kind: "coordinator" }
  | { readonly kind: "kafka-exporter" };

export type StreamKey = keyof typeof streams;

/** Subjects a role may publish to and subscribe to (nats-server wildcards). */
export interface SubjectPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/** The role's user name in the authorization config and its client name: `watcher-<chain>`, `correlator`, `coordinator`, `kafka-exporter`. */
export function roleName(role: BusRole): string {
  return role.kind === "watcher" ? `watcher-${subjectToken(role.chain)}` : role.kind;
}

/** The role's private inbox prefix: JetStream replies to it come back here and nowhere else. */
export function inboxPrefixOf(role: BusRole): string {
  return `_INBOX_${roleName(role).replace(/-/g, "_")}`;
}

/**
 * Streams the role writes and so keeps in shape: it updates their
 * configuration at start. Any role may create a missing stream (so services
 * start in any order) but only its owner may change it.
 */
export function streamsOwnedBy(role: BusRole): readonly StreamKey[] {
  switch (role.kind) {
    case "watcher":
      return ["chainEvents"];
    case "correlator":
      return ["assessments", "snapshots"];
    case "coordinator":
      return ["signals", "acks", "deadLetters", "audit"];
    case "kafka-exporter":
      return [];
  }
}

const API = "$JS.API";
const kvStream = (bucket: string) => `KV_${bucket}`;

/** Look up a stream, and create it when missing (never change it). */
const streamCreate = (stream: string) => [`${API}.STREAM.INFO.${stream}`, `${API}.STREAM.CREATE.${stream}`];
/** Change a stream's configuration (its owner only). */
const streamUpdate = (stream: string) => [`${API}.STREAM.UPDATE.${stream}`];
/**
 * Read a stream with consumers: durable or ordered ones (create, look up,
 * pull, delete the ephemeral ones) and acknowledge what was read.
 */
const streamRead = (stream: string) => [
  `${API}.STREAM.INFO.${stream}`,
  `${API}.CONSUMER.CREATE.${stream}.>`,
  `${API}.CONSUMER.DURABLE.CREATE.${stream}.>`,
  `${API}.CONSUMER.INFO.${stream}.>`,
  `${API}.CONSUMER.MSG.NEXT.${stream}.>`,
  `${API}.CONSUMER.DELETE.${stream}.>`,
  `$JS.ACK.${stream}.>`,
];
/**
 * Read a stream through one named durable consumer only: create, look up or
 * delete that consumer (the Kafka exporter recreates it at its ack floor on
 * start), pull from it and acknowledge what it delivered. No other consumer.
 */
const durableRead = (stream: string, durable: string) => [
  `${API}.STREAM.INFO.${stream}`,
  `${API}.CONSUMER.CREATE.${stream}.${durable}`,
  `${API}.CONSUMER.CREATE.${stream}.${durable}.>`,
  `${API}.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
  `${API}.CONSUMER.INFO.${stream}.${durable}`,
  `${API}.CONSUMER.DELETE.${stream}.${durable}`,
  `${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
  `$JS.ACK.${stream}.${durable}.>`,
];
/** Open (or create) a bucket and read any key in it. */
const bucketRead = (bucket: string) => [
  ...streamCreate(kvStream(bucket)),
  `${API}.DIRECT.GET.${kvStream(bucket)}.>`,
  `${API}.STREAM.MSG.GET.${kvStream(bucket)}`,
];
/** Write (put, create, update, delete) one key, or every key with `>`. */
const bucketWrite = (bucket: string, key: string) => [`$KV.${bucket}.${key}`];

/** The subject permissions of a role. */
export function permissionsOf(role: BusRole): SubjectPermissions {
  const common = [`${API}.INFO`, ...Object.values(streams).flatMap((s) => streamCreate(s.name))];
  const owned = streamsOwnedBy(role).flatMap((k) => streamUpdate(streams[k].name));
  const subscribe = [`${inboxPrefixOf(role)}.>`];
  switch (role.kind) {
    case "watcher":
      return {
        publish: unique([
          ...common,
          ...owned,
          subjects.position(role.chain),
          subjects.price(role.chain),
          subjects.heartbeat(role.chain),
          subjects.retraction(role.chain),
          subjects.deadLetter("watcher"),
          ...bucketRead(buckets.checkpoints),
          ...bucketWrite(buckets.checkpoints, subjectToken(role.chain)),
        ]),
        subscribe,
      };
    case "correlator":
      return {
        publish: unique([
          ...common,
          ...owned,
          subjects.allAssessments,
          subjects.snapshot,
          subjects.deadLetter("correlator"),
          ...streamRead(streams.chainEvents.name),
          ...streamRead(streams.snapshots.name),
          // the researcher history reads the signal log (never writes it)
          ...streamRead(streams.signals.name),
        ]),
        subscribe,
      };
    case "coordinator":
      return {
        publish: unique([
          ...common,
          ...owned,
          subjects.signal,
          subjects.allAcks,
          subjects.deadLetter("coordinator"),
          ...streamRead(streams.assessments.name),
          ...streamRead(streams.signals.name),
          ...streamRead(streams.acks.name),
          ...bucketRead(buckets.leader),
          ...bucketWrite(buckets.leader, ">"),
          // manual operator requests: any replica asks, the leader answers to the asker's inbox
          subjects.operatorRpc,
          `${inboxPrefixOf(role)}.>`,
          subjects.operatorAudit,
          ...streamRead(streams.audit.name),
        ]),
        subscribe: [...subscribe, subjects.operatorRpc],
      };
    case "kafka-exporter":
      // reads the signal log, acks and snapshots through its own durable
      // consumers and publishes nothing but its dead letters
      return {
        publish: unique([
          ...common,
          subjects.deadLetter("kafka-exporter"),
          ...durableRead(streams.signals.name, consumers.kafkaExporterSignals),
          ...durableRead(streams.acks.name, consumers.kafkaExporterAcks),
          ...durableRead(streams.snapshots.name, consumers.kafkaExporterSnapshots),
        ]),
        subscribe,
      };
  }
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}
