import { randomUUID } from "node:crypto";
import { type Bus, publish, replay, streams, subjects } from "@breakwater/bus";
import { asError, NotFoundError, PermissionDeniedError, statusOf } from "@breakwater/core";
import type { Principal } from "@breakwater/identity";
import { Signal } from "@breakwater/proto";
import { type Logger, publicMessageOf } from "@breakwater/telemetry";
import type { Subscription } from "@nats-io/transport-node";
import type { LeaderRole } from "./leader-role.js";
import {
  checkResumeTarget,
  type ManualRequest,
  ManualRequestError,
  manualDraft,
  needsSecondOperator,
  parseManualRequest,
} from "./manual-signals.js";
import { coordinatorMetrics } from "./metrics.js";
import type { SignalIndex } from "./signal-index.js";

/** What any replica's HTTP API asks the leader (core NATS request/reply on `bw.operator.rpc`). */
export type DeskRequest =
  | { readonly op: "submit"; readonly caller: Principal; readonly body: unknown }
  | { readonly op: "approve"; readonly caller: Principal; readonly requestId: string }
  | { readonly op: "list" };

export type DeskReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly status: string; readonly code: string; readonly message: string };

/** A hard-direction request waiting for a second operator. */
interface Pending {
  readonly requestId: string;
  readonly requestedBy: Principal;
  readonly request: ManualRequest;
  readonly requestedAtMs: number;
  readonly expiresAtMs: number;
}

/** One line of the audit trail (stream BW_AUDIT): every request, approval and refusal. */
export interface AuditRecord {
  readonly event: "issued" | "requested" | "approved" | "refused" | "expired";
  readonly requestId: string;
  readonly atMs: number;
  readonly by: string;
  readonly action?: string;
  readonly reason?: string;
  readonly sequence?: number;
  readonly detail?: string;
  readonly request?: ManualRequest;
  readonly requestedBy?: Principal;
  readonly expiresAtMs?: number;
}

export interface OperatorDeskOptions {
  readonly bus: Bus;
  readonly index: SignalIndex;
  /** The leader role while this replica leads, else undefined (then it stays silent). */
  readonly leader: () => LeaderRole | undefined;
  readonly log: Logger;
  readonly clock: () => number;
  /** How long a second operator has to approve a hard-direction request. */
  readonly approvalWindowMs: number;
}

/**
 * The leader's desk for manual signals. Every replica listens on
 * `bw.operator.rpc`, but only the leader answers, so a request made through any
 * replica's HTTP API is decided by the one writer of the log. An easy-direction
 * request (halt, tightening, advisory) is appended at once; a hard one (resume,
 * loosening) waits for a second, distinct operator within the approval window.
 * Each step is audited in BW_AUDIT; a new leader rebuilds the waiting requests from it.
 */
export class OperatorDesk {
  private sub: Subscription | undefined;
  private pending = new Map<string, Pending>();
  /** The leader term whose pending requests are loaded. */
  private loadedTerm = 0;

  constructor(private readonly opts: OperatorDeskOptions) {}

  start(): void {
    this.sub = this.opts.bus.nc.subscribe(subjects.operatorRpc, {
      callback: (err, msg) => {
        if (err) return;
        const leader = this.opts.leader();
        if (!leader) return; // a follower stays silent: the leader answers
        void this.answer(leader, msg.data).then((reply) => msg.respond(JSON.stringify(reply)));
      },
    });
  }

  async stop(): Promise<void> {
    await this.sub?.drain().catch(() => undefined);
    this.sub = undefined;
  }

  private async answer(leader: LeaderRole, data: Uint8Array): Promise<DeskReply> {
    try {
      const request = JSON.parse(new TextDecoder().decode(data)) as DeskRequest;
      if (this.loadedTerm !== leader.term) await this.loadPending(leader.term);
      switch (request.op) {
        case "submit":
          return { ok: true, result: await this.submit(leader, request.caller, request.body) };
        case "approve":
          return { ok: true, result: await this.approve(leader, request.caller, request.requestId) };
        case "list":
          return { ok: true, result: { pending: this.list() } };
        default:
          throw new NotFoundError("unknown operator request");
      }
    } catch (err) {
      const status = statusOf(err);
      if (status === "internal")
        this.opts.log.error({ err: asError(err).message }, "operator request failed");
      return {
        ok: false,
        status,
        code: (err as { code?: string }).code ?? "internal",
        message: publicMessageOf(err),
      };
    }
  }

  private async submit(leader: LeaderRole, caller: Principal, body: unknown): Promise<unknown> {
    const now = this.opts.clock();
    const request = parseManualRequest(body);
    const halt = checkResumeTarget(request, (seq) => this.opts.index.get(seq));
    const requestId = randomUUID();
    if (needsSecondOperator(request, this.opts.index.signals())) {
      const expiresAtMs = now + this.opts.approvalWindowMs;
      this.pending.set(requestId, {
        requestId,
        requestedBy: caller,
        request,
        requestedAtMs: now,
        expiresAtMs,
      });
      await this.audit({
        event: "requested",
        requestId,
        atMs: now,
        by: caller.uri,
        action: request.action,
        reason: request.reason,
        request,
        requestedBy: caller,
        expiresAtMs,
      });
      coordinatorMetrics.manualRequests.inc({ action: request.action, outcome: "awaiting_approval" });
      return { status: "awaiting_approval", requestId, expiresAtMs, requestedBy: caller.uri };
    }
    const signal = await this.append(leader, manualDraft(request, requestId, caller, undefined, halt));
    await this.audit({
      event: "issued",
      requestId,
      atMs: now,
      by: caller.uri,
      action: request.action,
      reason: request.reason,
      sequence: signal.sequence,
    });
    coordinatorMetrics.manualRequests.inc({ action: request.action, outcome: "issued" });
    this.opts.log.warn(
      { operator: caller.uri, action: request.action, sequence: signal.sequence, reason: request.reason },
      "manual signal issued",
    );
    return { status: "issued", requestId, signal: Signal.toJSON(signal) };
  }

  private async approve(leader: LeaderRole, caller: Principal, requestId: string): Promise<unknown> {
    const now = this.opts.clock();
    const pending = this.pending.get(requestId);
    if (!pending) throw new NotFoundError(`no request ${String(requestId).slice(0, 64)} awaits approval`);
    const refuse = async (err: Error & { code: string }) => {
      await this.audit({ event: "refused", requestId, atMs: now, by: caller.uri, detail: err.message });
      coordinatorMetrics.manualRequests.inc({ action: pending.request.action, outcome: err.code });
      throw err;
    };
    if (now > pending.expiresAtMs) {
      this.pending.delete(requestId);
      await this.audit({ event: "expired", requestId, atMs: now, by: caller.uri });
      coordinatorMetrics.manualRequests.inc({ action: pending.request.action, outcome: "expired" });
      throw new ManualRequestError(
        "failed_precondition",
        "approval_expired",
        `request ${requestId} expired at ${new Date(pending.expiresAtMs).toISOString()}; ask again`,
      );
    }
    if (caller.uri === pending.requestedBy.uri) {
      return refuse(
        new PermissionDeniedError(
          "same_operator",
          `${caller.uri} made request ${requestId}; a second, distinct operator must approve it`,
        ),
      );
    }
    const halt = checkResumeTarget(pending.request, (seq) => this.opts.index.get(seq));
    const signal = await this.append(
      leader,
      manualDraft(pending.request, requestId, pending.requestedBy, caller, halt),
    );
    this.pending.delete(requestId);
    await this.audit({ event: "approved", requestId, atMs: now, by: caller.uri, sequence: signal.sequence });
    coordinatorMetrics.manualRequests.inc({ action: pending.request.action, outcome: "issued" });
    this.opts.log.warn(
      {
        requestedBy: pending.requestedBy.uri,
        approvedBy: caller.uri,
        action: pending.request.action,
        sequence: signal.sequence,
      },
      "manual signal issued after a second operator's approval",
    );
    return { status: "issued", requestId, signal: Signal.toJSON(signal) };
  }

  private list(): unknown[] {
    const now = this.opts.clock();
    return [...this.pending.values()]
      .filter((p) => p.expiresAtMs >= now)
      .map((p) => ({
        requestId: p.requestId,
        action: p.request.action,
        reason: p.request.reason,
        requestedBy: p.requestedBy.uri,
        requestedAtMs: p.requestedAtMs,
        expiresAtMs: p.expiresAtMs,
      }));
  }

  private async append(leader: LeaderRole, draft: Parameters<LeaderRole["issue"]>[0]): Promise<Signal> {
    const signal = await leader.issue(draft);
    if (!signal) {
      throw new ManualRequestError(
        "unavailable",
        "not_leading",
        "the leader is not appending yet; try again",
      );
    }
    return signal;
  }

  private async audit(record: AuditRecord): Promise<void> {
    await publish(this.opts.bus, subjects.operatorAudit, new TextEncoder().encode(JSON.stringify(record)), {
      msgId: `${record.requestId}:${record.event}:${record.atMs}`,
    });
  }

  /** A new leader rebuilds the requests still awaiting approval from the audit trail. */
  private async loadPending(term: number): Promise<void> {
    const pending = new Map<string, Pending>();
    await replay(this.opts.bus, {
      stream: streams.audit.name,
      onMessage: (_subject, data) => {
        try {
          const r = JSON.parse(new TextDecoder().decode(data)) as AuditRecord;
          if (r.event === "requested" && r.request && r.requestedBy && r.expiresAtMs) {
            pending.set(r.requestId, {
              requestId: r.requestId,
              requestedBy: r.requestedBy,
              request: r.request,
              requestedAtMs: r.atMs,
              expiresAtMs: r.expiresAtMs,
            });
          } else if (r.event === "approved" || r.event === "expired") {
            pending.delete(r.requestId);
          }
        } catch {
          // an unreadable audit line is skipped (it cannot name a request)
        }
      },
    });
    this.pending = pending;
    this.loadedTerm = term;
  }
}
