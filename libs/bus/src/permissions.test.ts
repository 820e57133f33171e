import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deploymentRoles, renderAuthorization } from "./authorization.js";
import { type BusRole, inboxPrefixOf, permissionsOf, roleName } from "./permissions.js";
import { buckets, consumers, subjects, subjectToken } from "./subjects.js";

/** nats-server's subject matching: `*` one token, `>` one or more trailing tokens. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const mayPublish = (role: BusRole, subject: string) =>
  permissionsOf(role).publish.some((p) => matches(p, subject));

const chainId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const chainSubjects = (chain: string) => [
  subjects.position(chain),
  subjects.price(chain),
  subjects.heartbeat(chain),
  subjects.retraction(chain),
  `$KV.${buckets.checkpoints}.${subjectToken(chain)}`,
];
const roles: BusRole[] = [
  { kind: "watcher", chain: "a" },
  { kind: "correlator" },
  { kind: "coordinator" },
  { kind: "kafka-exporter" },
];

describe("permissionsOf", () => {
  it("behavior: a watcher may publish its own chain's subjects and checkpoint, never another chain's", () => {
    fc.assert(
      fc.property(chainId, chainId, (own, other) => {
        fc.pre(own !== other);
        const w: BusRole = { kind: "watcher", chain: own };
        for (const s of chainSubjects(own)) expect(mayPublish(w, s), s).toBe(true);
        for (const s of chainSubjects(other)) expect(mayPublish(w, s), s).toBe(false);
      }),
    );
  });

  it("behavior: only the coordinator may publish a signal, change the signal stream, or take the lease", () => {
    const coordinatorOnly = [
      subjects.signal,
      "$JS.API.STREAM.UPDATE.BW_SIGNALS",
      `$KV.${buckets.leader}.lease`,
    ];
    for (const s of coordinatorOnly) {
      expect(mayPublish({ kind: "coordinator" }, s), s).toBe(true);
      expect(mayPublish({ kind: "correlator" }, s), s).toBe(false);
      expect(mayPublish({ kind: "watcher", chain: "a" }, s), s).toBe(false);
    }
  });

  it("behavior: the correlator reads the signal log for the researcher history, a watcher does not", () => {
    const read = [
      "$JS.API.CONSUMER.CREATE.BW_SIGNALS.history",
      "$JS.API.CONSUMER.MSG.NEXT.BW_SIGNALS.history",
    ];
    for (const s of read) {
      expect(mayPublish({ kind: "correlator" }, s), s).toBe(true);
      expect(mayPublish({ kind: "watcher", chain: "a" }, s), s).toBe(false);
    }
  });

  it("behavior: no role deletes or purges a stream or its messages", () => {
    const destructive = ["STREAM.DELETE", "STREAM.PURGE", "STREAM.MSG.DELETE"].flatMap((op) =>
      ["BW_SIGNALS", "BW_CHAIN_EVENTS", `KV_${buckets.checkpoints}`].map((s) => `$JS.API.${op}.${s}`),
    );
    for (const role of roles)
      for (const s of destructive) expect(mayPublish(role, s), `${roleName(role)} ${s}`).toBe(false);
  });

  it("behavior: only the correlator publishes assessments and snapshots; no one but its writer a chain event", () => {
    expect(mayPublish({ kind: "correlator" }, subjects.assessment("eth"))).toBe(true);
    expect(mayPublish({ kind: "coordinator" }, subjects.assessment("eth"))).toBe(false);
    expect(mayPublish({ kind: "watcher", chain: "a" }, subjects.snapshot)).toBe(false);
    expect(mayPublish({ kind: "correlator" }, subjects.position("a"))).toBe(false);
    expect(mayPublish({ kind: "coordinator" }, subjects.position("a"))).toBe(false);
  });

  it("behavior: the Kafka exporter reads signals, acks and snapshots through its own durables only and writes nothing but its dead letters", () => {
    const exporter: BusRole = { kind: "kafka-exporter" };
    const own = [
      `$JS.API.CONSUMER.DURABLE.CREATE.BW_SIGNALS.${consumers.kafkaExporterSignals}`,
      `$JS.API.CONSUMER.MSG.NEXT.BW_ACKS.${consumers.kafkaExporterAcks}`,
      `$JS.API.CONSUMER.DELETE.BW_SIGNALS.${consumers.kafkaExporterSignals}`,
      `$JS.ACK.BW_SNAPSHOTS.${consumers.kafkaExporterSnapshots}.1.5.5.0.1`,
      subjects.deadLetter("kafka-exporter"),
    ];
    for (const s of own) expect(mayPublish(exporter, s), s).toBe(true);
    const refused = [
      subjects.signal,
      subjects.ack("venue-a"),
      subjects.snapshot,
      subjects.assessment("eth"),
      subjects.position("a"),
      subjects.deadLetter("coordinator"),
      "$JS.API.STREAM.UPDATE.BW_SIGNALS",
      "$JS.API.CONSUMER.DELETE.BW_SIGNALS.coordinator-log",
      "$JS.API.CONSUMER.DURABLE.CREATE.BW_SIGNALS.someone-else",
      "$JS.API.CONSUMER.MSG.NEXT.BW_ASSESSMENTS.kafka-exporter-signals",
      `$JS.API.CONSUMER.DURABLE.CREATE.BW_CHAIN_EVENTS.${consumers.kafkaExporterSignals}`,
      `$KV.${buckets.leader}.lease`,
    ];
    for (const s of refused) expect(mayPublish(exporter, s), s).toBe(false);
  });

  it("behavior: every role subscribes to its own inbox only (the coordinator also to the operator desk)", () => {
    for (const role of roles) {
      expect(permissionsOf(role).subscribe).toEqual([
        `${inboxPrefixOf(role)}.>`,
        ...(role.kind === "coordinator" ? [subjects.operatorRpc] : []),
      ]);
      for (const other of roles)
        if (other !== role)
          expect(matches(`${inboxPrefixOf(role)}.>`, `${inboxPrefixOf(other)}.x`)).toBe(false);
    }
  });
});

describe("renderAuthorization", () => {
  const key = `U${"A".repeat(55)}`;
  it("default: one user per identity with its public key and permissions", () => {
    const text = renderAuthorization([{ role: { kind: "coordinator" }, nkey: key }]);
    expect(text).toContain(`nkey: "${key}"`);
    expect(text).toContain('"bw.signal"');
    expect(text).toContain('"_INBOX_coordinator.>"');
  });
  it("behavior: refuses a seed given as a public key, and a role twice", () => {
    expect(() => renderAuthorization([{ role: { kind: "correlator" }, nkey: `S${"A".repeat(57)}` }])).toThrow(
      /not an nkey user public key/,
    );
    expect(() =>
      renderAuthorization(deploymentRoles(["a", "a"]).map((role) => ({ role, nkey: key }))),
    ).toThrow(/appears twice/);
  });
});
