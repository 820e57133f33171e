/**
 * Every NATS subject, stream, consumer and bucket Breakwater uses, in one
 * place. No other module spells a subject.
 *
 * Subjects:
 *   bw.chain.<chain>.position     PositionUpdate      (watcher → correlator)
 *   bw.chain.<chain>.price        PriceTick           (watcher → correlator)
 *   bw.chain.<chain>.heartbeat    ChainHeartbeat      (watcher → correlator)
 *   bw.chain.<chain>.retraction   Retraction          (watcher → correlator)
 *   bw.assess.<asset>             RiskAssessment      (correlator → coordinator)
 *   bw.signal                     Signal              (coordinator leader → log → every coordinator replica)
 *   bw.ack.<venue>                AckRequest          (coordinator, recorded venue acks)
 *   bw.snapshot                   ExposureSnapshot    (correlator, history)
 *   bw.dlq.<service>              DeadLetter          (anyone who rejects a message)
 *   bw.operator.rpc               JSON request/reply  (any coordinator replica's HTTP API → the leader; core NATS)
 *   bw.audit.operator             JSON audit record   (coordinator leader: every manual request, approval, refusal)
 */

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Subject tokens cannot contain dots, spaces or wildcards; anything else is escaped. */
export function subjectToken(value: string): string {
  if (TOKEN.test(value)) return value;
  return value.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export const subjects = {
  position: (chainId: string) => `bw.chain.${subjectToken(chainId)}.position`,
  price: (chainId: string) => `bw.chain.${subjectToken(chainId)}.price`,
  heartbeat: (chainId: string) => `bw.chain.${subjectToken(chainId)}.heartbeat`,
  retraction: (chainId: string) => `bw.chain.${subjectToken(chainId)}.retraction`,
  allChainEvents: "bw.chain.>",
  assessment: (asset: string) => `bw.assess.${subjectToken(asset)}`,
  allAssessments: "bw.assess.>",
  signal: "bw.signal",
  ack: (venueId: string) => `bw.ack.${subjectToken(venueId)}`,
  allAcks: "bw.ack.>",
  snapshot: "bw.snapshot",
  deadLetter: (service: string) => `bw.dlq.${subjectToken(service)}`,
  allDeadLetters: "bw.dlq.>",
  operatorRpc: "bw.operator.rpc",
  operatorAudit: "bw.audit.operator",
  allAudit: "bw.audit.>",
} as const;

const DAY_NS = 24 * 3_600 * 1e9;
const MIN_NS = 60 * 1e9;
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** Largest message the bus accepts from a publisher (bytes). */
export const MAX_MESSAGE_BYTES = 256 * KIB;

export interface StreamDefinition {
  readonly name: string;
  readonly subjects: readonly string[];
  /** Maximum age of messages in nanoseconds; 0 keeps them until limits apply. */
  readonly maxAgeNs: number;
  /** Window within which a repeated Nats-Msg-Id is dropped, in nanoseconds. */
  readonly duplicateWindowNs: number;
  /**
   * Most bytes the stream keeps; past it the oldest messages are discarded.
   * Age alone does not bound a stream: a flood (garbage, or a runaway
   * publisher) fills the disk long before its messages age out, and a full
   * JetStream store stops every stream at once, the signal log included.
   * The server reserves this much of its store per stream (`max_file_store`
   * must cover the sum, see docs/architecture.md).
   */
  readonly maxBytes: number;
  /** Largest message the stream stores; the server refuses a larger publish. */
  readonly maxMsgBytes: number;
  readonly description: string;
}

export const streams = {
  chainEvents: {
    name: "BW_CHAIN_EVENTS",
    subjects: [subjects.allChainEvents],
    maxAgeNs: 7 * DAY_NS,
    duplicateWindowNs: 10 * MIN_NS,
    maxBytes: 16 * GIB,
    // the publisher's limit plus room for headers (Nats-Msg-Id, traceparent)
    maxMsgBytes: MAX_MESSAGE_BYTES + 4 * KIB,
    description: "Normalized chain events from every watcher",
  },
  assessments: {
    name: "BW_ASSESSMENTS",
    subjects: [subjects.allAssessments],
    maxAgeNs: 1 * DAY_NS,
    duplicateWindowNs: 10 * MIN_NS,
    maxBytes: 2 * GIB,
    maxMsgBytes: 1 * MIB,
    description: "Risk assessments from the correlator",
  },
  signals: {
    name: "BW_SIGNALS",
    subjects: [subjects.signal],
    maxAgeNs: 0,
    duplicateWindowNs: 10 * MIN_NS,
    maxBytes: 4 * GIB,
    maxMsgBytes: 1 * MIB,
    description: "The signal log: source of truth for every signal sent to venues",
  },
  audit: {
    name: "BW_AUDIT",
    subjects: [subjects.allAudit],
    maxAgeNs: 365 * DAY_NS,
    duplicateWindowNs: 2 * MIN_NS,
    maxBytes: 1 * GIB,
    maxMsgBytes: 64 * KIB,
    description: "Audit trail of manual operator requests, approvals and refusals",
  },
  acks: {
    name: "BW_ACKS",
    subjects: [subjects.allAcks],
    maxAgeNs: 30 * DAY_NS,
    duplicateWindowNs: 2 * MIN_NS,
    maxBytes: 1 * GIB,
    maxMsgBytes: 64 * KIB,
    description: "Venue acknowledgements of signals",
  },
  snapshots: {
    name: "BW_SNAPSHOTS",
    subjects: [subjects.snapshot],
    maxAgeNs: 30 * DAY_NS,
    duplicateWindowNs: 2 * MIN_NS,
    maxBytes: 2 * GIB,
    maxMsgBytes: 1 * MIB,
    description: "Periodic exposure snapshots (researcher history)",
  },
  deadLetters: {
    name: "BW_DEAD_LETTERS",
    subjects: [subjects.allDeadLetters],
    maxAgeNs: 30 * DAY_NS,
    duplicateWindowNs: 2 * MIN_NS,
    maxBytes: 1 * GIB,
    maxMsgBytes: 128 * KIB,
    description: "Messages rejected as malformed or invalid, kept for inspection",
  },
} as const satisfies Record<string, StreamDefinition>;

/** Durable consumer names: one per consuming service and purpose. */
export const consumers = {
  correlatorChainEvents: "correlator-chain-events",
  coordinatorAssessments: "coordinator-assessments",
  /** The Kafka exporter's readers of the signal log, the acks and the snapshots. */
  kafkaExporterSignals: "kafka-exporter-signals",
  kafkaExporterAcks: "kafka-exporter-acks",
  kafkaExporterSnapshots: "kafka-exporter-snapshots",
} as const;

/** Key-value buckets. */
export const buckets = {
  /** Watcher checkpoints: key = chain id, value = last fully processed block. */
  checkpoints: "bw_checkpoints",
  /** Coordinator leader lease. */
  leader: "bw_leader",
} as const;
