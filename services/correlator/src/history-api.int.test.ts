import { type Bus, codecs, connectBus, publish, subjects } from "@breakwater/bus";
import { channelCredentialsOf } from "@breakwater/identity";
import {
  ExposureServiceClient,
  HistoryKind,
  type ListHistoryResponse,
  type Signal,
  SignalKind,
} from "@breakwater/proto";
import { eventually, type NatsServer, sharedTestPkiNow, startNats } from "@breakwater/testkit";
import { status as grpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  heartbeat,
  metricValue,
  positionUpdate,
  priceTick,
  publishEvent,
  type RunningCorrelator,
  startCorrelator,
} from "./test-harness.js";

interface Entry {
  kind: "snapshot" | "signal";
  snapshot?: { takenAtMs: number; rows: { asset: string }[] };
  signal?: { sequence: number; issuedAtMs: number; signalId: string };
}
interface Page {
  entries: Entry[];
  nextCursor: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An advisory issued at `issuedAtMs`: the history reads any log entry, signed or not. */
function advisory(sequence: number, issuedAtMs: number): Signal {
  return {
    sequence,
    signalId: `history-test:${sequence}`,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    issuedAtMs,
    effectiveAtMs: issuedAtMs + 500,
    expiresAtMs: 0,
    scope: { assets: ["ETH"], markets: [], venues: [], chains: [] },
    reason: `entry ${sequence}`,
    ruleId: "history-test",
    evidence: [],
    action: { $case: "advisory", value: { code: "NOTE", message: `n${sequence}` } },
    leaderTerm: 1,
    keyId: "",
    signature: Buffer.alloc(0),
  };
}

describe("researcher history (GET /v1/history, ListHistory) over BW_SNAPSHOTS and BW_SIGNALS", () => {
  let nats: NatsServer;
  let bus: Bus;
  let correlator: RunningCorrelator;
  let client: ExposureServiceClient;
  /** issuedAtMs of signal n (1-based), 100 ms apart, a few seconds before the test. */
  let t: (n: number) => number;
  let nextSeq = 1;

  const page = async (query: string): Promise<{ status: number; body: Page & Record<string, unknown> }> =>
    (await correlator.get(`/v1/history?${query}`)) as {
      status: number;
      body: Page & Record<string, unknown>;
    };
  const appendSignal = (issuedAtMs: number) => {
    const s = advisory(nextSeq++, issuedAtMs);
    return publish(bus, subjects.signal, codecs.signal.encode(s), { msgId: s.signalId });
  };
  const grpcHistory = (req: Record<string, unknown>): Promise<ListHistoryResponse> =>
    new Promise((resolve, reject) =>
      client.listHistory({ from: "", to: "", kinds: [], limit: 0, cursor: "", ...req }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "history-api-test" });
    correlator = await startCorrelator(nats.url, {
      BW_SNAPSHOT_INTERVAL_MS: "200",
      BW_STALE_AFTER_MS: "600000",
    });
    client = new ExposureServiceClient(
      correlator.grpc,
      channelCredentialsOf(sharedTestPkiNow().researcherTls()),
    );
    await publishEvent(bus, { kind: "heartbeat", value: heartbeat("sim-a") });
    await publishEvent(bus, { kind: "price", value: priceTick({ eventId: "p:1" }) });
    await publishEvent(bus, { kind: "position", value: positionUpdate({ eventId: "a:1", size: "2" }) });
    const base = Date.now() - 5_000;
    t = (n) => base + n * 100;
    for (let n = 1; n <= 7; n++) await appendSignal(t(n));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await correlator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("behavior: signals by time range, from inclusive and to exclusive, paged by a cursor that neither repeats nor skips while the log grows", async () => {
    const range = `from=${iso(t(2))}&to=${iso(t(7))}&kinds=signal`;
    const first = await page(`${range}&limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.entries.map((e) => [e.kind, e.signal?.sequence])).toEqual([
      ["signal", 2],
      ["signal", 3],
      ["signal", 4],
    ]);
    expect(first.body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    // appended after the first page: one inside the range (8), one at its exclusive end (9)
    await appendSignal(t(3) + 50);
    await appendSignal(t(7));
    const second = await page(`cursor=${first.body.nextCursor}`);
    expect(second.body.entries.map((e) => e.signal?.sequence)).toEqual([5, 6, 8]);
    expect(second.body.nextCursor).toBe("");
    // the same cursor again: the same page (a cursor is a position, not a session)
    expect((await page(`cursor=${first.body.nextCursor}`)).body).toEqual(second.body);
    // the cursor with its own query beside it is fine; gRPC answers the same page
    expect((await page(`${range}&cursor=${first.body.nextCursor}`)).body).toEqual(second.body);
    const viaGrpc = await grpcHistory({ cursor: first.body.nextCursor });
    expect(viaGrpc.entries.map((e) => (e.entry?.$case === "signal" ? e.entry.value.sequence : 0))).toEqual([
      5, 6, 8,
    ]);
    expect(viaGrpc.nextCursor).toBe("");
  });

  it("behavior: both kinds, snapshots (by takenAtMs) before signals, every page full but the last", async () => {
    const from = Date.now();
    await eventually(async () => {
      const s = await page(`from=${iso(from)}&kinds=snapshot`);
      return s.body.entries.length >= 3 ? true : undefined;
    });
    const to = Date.now();
    await appendSignal(from + 1);
    const seen: Entry[] = [];
    let cursor = "";
    let pages = 0;
    do {
      const p = await page(cursor ? `cursor=${cursor}` : `from=${iso(from)}&to=${iso(to)}&limit=2`);
      expect(p.status).toBe(200);
      if (p.body.nextCursor) expect(p.body.entries).toHaveLength(2);
      seen.push(...p.body.entries);
      cursor = p.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    const kinds = seen.map((e) => e.kind);
    expect(kinds.indexOf("signal")).toBe(kinds.lastIndexOf("signal"));
    expect(kinds.at(-1)).toBe("signal");
    const taken = seen.filter((e) => e.kind === "snapshot").map((e) => e.snapshot!.takenAtMs);
    expect(taken.length).toBeGreaterThanOrEqual(3);
    expect(taken.every((ms) => ms >= from && ms < to)).toBe(true);
    expect([...taken].sort((a, b) => a - b)).toEqual(taken);
    expect(seen.find((e) => e.kind === "snapshot")!.snapshot!.rows.map((r) => r.asset)).toEqual(["ETH"]);
    const grpcFirst = await grpcHistory({
      from: iso(from),
      to: iso(to),
      kinds: [HistoryKind.HISTORY_KIND_SNAPSHOT],
      limit: 1,
    });
    expect(
      grpcFirst.entries[0]?.entry?.$case === "snapshot" && grpcFirst.entries[0].entry.value.takenAtMs,
    ).toBe(taken[0]);
  });

  it("behavior: bad ranges, kinds, limits and cursors are 400 naming the parameter (INVALID_ARGUMENT over gRPC)", async () => {
    const cursor = (await page(`kinds=signal&limit=1&from=${iso(t(1))}`)).body.nextCursor;
    const invalidBefore = metricValue(
      await correlator.metrics(),
      'bw_correlator_history_pages_total{outcome="invalid"}',
    );
    const cases: [string, string][] = [
      ["from=yesterday", "from"],
      ["from=2026-12-04", "from"],
      [`from=${iso(t(5))}&to=${iso(t(5))}`, "to"],
      [`from=${iso(t(5))}&to=${iso(t(4))}`, "to"],
      ["kinds=snapshot,trade", "kinds"],
      ["limit=0", "limit"],
      ["limit=1001", "limit"],
      ["limit=ten", "limit"],
      ["cursor=seq:5", "cursor"],
      [`cursor=${cursor.slice(0, -4)}`, "cursor"],
      [`cursor=${cursor}&from=${iso(t(2))}`, "from"],
      [`cursor=${cursor}&kinds=snapshot`, "kinds"],
      ["bogus=1", "bogus"],
    ];
    for (const [query, field] of cases) {
      const res = await page(query);
      expect({ query, status: res.status, body: res.body }).toMatchObject({
        query,
        status: 400,
        body: { error: "invalid_query", field },
      });
    }
    await expect(grpcHistory({ cursor: "nope" })).rejects.toMatchObject({
      code: grpcStatus.INVALID_ARGUMENT,
    });
    // counted: every refusal the history itself made (bogus=1, limit=ten, limit=0 and the unknown kind are the HTTP route's, before it)
    const invalid = metricValue(
      await correlator.metrics(),
      'bw_correlator_history_pages_total{outcome="invalid"}',
    );
    expect(invalid - invalidBefore).toBe(cases.length - 4 + 1);
  });

  it("behavior: an entry stored in the log that cannot be decoded is counted and left out, the page goes on past it", async () => {
    const before = metricValue(
      await correlator.metrics(),
      'bw_correlator_history_undecodable_total{kind="signal"}',
    );
    const from = Date.now();
    await publish(bus, subjects.signal, new Uint8Array([0xff, 0xff, 0xff]), { msgId: "garbage" });
    await appendSignal(Date.now());
    const res = await page(`from=${iso(from)}&kinds=signal`);
    expect(res.status).toBe(200);
    expect(res.body.entries.map((e) => e.signal?.signalId)).toEqual([`history-test:${nextSeq - 1}`]);
    const after = metricValue(
      await correlator.metrics(),
      'bw_correlator_history_undecodable_total{kind="signal"}',
    );
    expect(after).toBe(before + 1);
  });
});
