import { UsageError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { httpBase, requestJson } from "../http-client.js";
import type { Io } from "../io.js";
import { type CommonOptions, jsonText } from "./common.js";

/** What each manual action does, for help texts. */
export const OPERATOR_ACTIONS = {
  halt: "halt markets by hand (one operator)",
  resume: "resume a halt by hand (a second operator approves)",
  margin: "set margin multipliers by hand (a loosening needs a second operator)",
  advisory: "send an advisory to venues",
} as const;

export type OperatorAction = keyof typeof OPERATOR_ACTIONS;

export interface SignalOptions extends CommonOptions {
  readonly coordinatorHttp: string;
  readonly reason?: string;
  readonly asset: string[];
  readonly market: string[];
  readonly venue: string[];
  readonly chain: string[];
  readonly level?: number;
  readonly mode?: string;
  readonly durationMs?: number;
  readonly halt?: number;
  readonly initial?: number;
  readonly maintenance?: number;
  readonly code?: string;
  readonly message?: string;
}

function body(action: OperatorAction, o: SignalOptions): Record<string, unknown> {
  if (!o.reason) throw new UsageError("--reason: say why (it is audited and carried in the signal)");
  const b: Record<string, unknown> = {
    action,
    reason: o.reason,
    scope: { assets: o.asset, markets: o.market, venues: o.venue, chains: o.chain },
  };
  if (action === "halt") {
    if (o.level !== undefined) b["level"] = o.level;
    if (o.mode !== undefined) b["mode"] = o.mode;
    if (o.durationMs !== undefined) b["durationMs"] = o.durationMs;
  }
  if (action === "resume") {
    if (o.halt === undefined) throw new UsageError("--halt: the sequence of the halt to resume");
    b["resumesSequence"] = o.halt;
  }
  if (action === "margin") {
    if (o.initial === undefined || o.maintenance === undefined)
      throw new UsageError("--initial and --maintenance: the margin multipliers");
    b["initialMultiplier"] = o.initial;
    b["maintenanceMultiplier"] = o.maintenance;
  }
  if (action === "advisory") {
    if (o.code !== undefined) b["code"] = o.code;
    if (o.message !== undefined) b["message"] = o.message;
  }
  return b;
}

function describe(result: Record<string, unknown>): string {
  if (result["status"] === "issued") {
    const s = result["signal"] as { sequence?: string | number; reason?: string } | undefined;
    return `issued #${s?.sequence}: ${s?.reason}\n`;
  }
  return (
    `awaiting approval: request ${result["requestId"]} by ${result["requestedBy"]}; ` +
    `a second operator runs \`breakwater signal approve ${result["requestId"]}\` before ${new Date(Number(result["expiresAtMs"])).toISOString()}\n`
  );
}

/** `breakwater signal <action>`: a manual signal through the coordinator's audited operator API. */
export async function signalCommand(action: OperatorAction, o: SignalOptions, io: Io): Promise<number> {
  const base = httpBase(o.coordinatorHttp, "--coordinator-http");
  const result = (await requestJson({
    service: "coordinator",
    url: `${base}/v1/operator/signals`,
    method: "POST",
    body: body(action, o),
    timeoutMs: o.timeout,
  })) as Record<string, unknown>;
  io.out(o.json ? jsonText(result) : describe(result));
  return ExitCode.ok;
}

export interface ApproveOptions extends CommonOptions {
  readonly coordinatorHttp: string;
}

/** `breakwater signal approve <request id>`: a second operator's approval. */
export async function approveCommand(requestId: string, o: ApproveOptions, io: Io): Promise<number> {
  if (!/^[0-9a-f-]{36}$/.test(requestId)) throw new UsageError(`"${requestId}" is not a request id`);
  const base = httpBase(o.coordinatorHttp, "--coordinator-http");
  const result = (await requestJson({
    service: "coordinator",
    url: `${base}/v1/operator/requests/${requestId}/approve`,
    method: "POST",
    timeoutMs: o.timeout,
  })) as Record<string, unknown>;
  io.out(o.json ? jsonText(result) : describe(result));
  return ExitCode.ok;
}

/** `breakwater signal pending`: requests awaiting a second operator. */
export async function pendingCommand(o: ApproveOptions, io: Io): Promise<number> {
  const base = httpBase(o.coordinatorHttp, "--coordinator-http");
  const result = (await requestJson({
    service: "coordinator",
    url: `${base}/v1/operator/requests`,
    timeoutMs: o.timeout,
  })) as { pending?: Record<string, unknown>[] };
  const pending = result.pending ?? [];
  io.out(
    o.json
      ? jsonText(result)
      : pending.length === 0
        ? "nothing awaits approval\n"
        : pending
            .map((p) => `${p["requestId"]}  ${p["action"]}  by ${p["requestedBy"]}: ${p["reason"]}\n`)
            .join(""),
  );
  return ExitCode.ok;
}
