import { isVenueId, SignalVerifier } from "@breakwater/core";
import { Signal, type SubscribeResponse } from "@breakwater/proto";
import { type ServiceError, status } from "@grpc/grpc-js";
import {
  CoordinatorClient,
  type CoordinatorTlsOptions,
  coordinatorTlsOf,
  grpcAddress,
  grpcErrorOf,
} from "../coordinator-client.js";
import { CliError, UsageError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { formatTailLine, formatVerifyReport, verdictName, verifyReportJson } from "../format/signals.js";
import { httpBase, requestJson } from "../http-client.js";
import type { Io } from "../io.js";
import { checkSignal, type Entry, parseSignalFile, verifyEntries } from "../signals/verification.js";
import { type CommonOptions, type KeyOptions, pinnedKeys, readArgFile } from "./common.js";

export interface TailOptions extends CommonOptions, KeyOptions, CoordinatorTlsOptions {
  readonly coordinator: string;
  readonly venue: string;
  readonly after: number;
  readonly count?: number;
}

/**
 * `breakwater signals tail`: Subscribe as a venue (never acking), verify each
 * signal against the pinned keys and print it, until `--count` signals, an
 * interrupt, or the stream is lost. Exit 1 if any signal failed verification
 * or continuity could not be proven, else 3 if the stream was lost, else 0.
 */
export async function tailCommand(o: TailOptions, io: Io): Promise<number> {
  const address = grpcAddress(o.coordinator, "--coordinator");
  if (!isVenueId(o.venue)) throw new UsageError(`--venue: "${o.venue}" is not a valid venue id`);
  const verifier = new SignalVerifier(pinnedKeys(o));
  const client = new CoordinatorClient(address, o.timeout, coordinatorTlsOf(o));
  const call = client.raw.subscribe({ venueId: o.venue, afterSequence: o.after, maxBatch: 0 });
  let received = 0;
  let failed = 0;
  let gaps = 0;
  // the previous in-scope sequence is known only when replaying from the start
  let lastInScope: number | undefined = o.after === 0 ? 0 : undefined;
  let synced = false;
  io.err(`subscribing to ${address} as ${o.venue} after #${o.after} (this CLI never acks)…\n`);

  return await new Promise<number>((resolve) => {
    let done = false;
    // Ctrl-C ends the tail with its summary and verdict
    const stopListening = io.onInterrupt(() => finish());
    const finish = (lost?: CliError) => {
      if (done) return;
      done = true;
      stopListening();
      call.cancel();
      client.close();
      io.err(
        `${received} signals, ${failed} failed verification${gaps > 0 ? `, ${gaps} continuity gaps` : ""}\n`,
      );
      if (lost) io.err(`breakwater: ${lost.message}\n`);
      resolve(failed > 0 || gaps > 0 ? ExitCode.failure : (lost?.exitCode ?? ExitCode.ok));
    };

    call.on("data", (res: SubscribeResponse) => {
      if (done) return;
      if (lastInScope !== undefined && res.previousInScope !== lastInScope) {
        gaps++;
        io.err(
          `gap: the coordinator says the previous signal in scope is #${res.previousInScope}, the last received is #${lastInScope}\n`,
        );
      }
      lastInScope = res.previousInScope;
      if (res.item?.$case === "marker") {
        if (!synced) {
          synced = true;
          io.err(
            `replay done at log sequence ${res.item.value.logSequence}; following live (Ctrl-C to stop)\n`,
          );
        }
        return;
      }
      if (res.item?.$case !== "signal") return;
      const signal = res.item.value;
      lastInScope = signal.sequence;
      const checked = checkSignal(verifier, signal, `#${signal.sequence}`);
      received++;
      if (!checked.ok) failed++;
      io.out(
        o.json
          ? `${JSON.stringify({ verified: verdictName(checked), signal: Signal.toJSON(signal) })}\n`
          : formatTailLine(checked),
      );
      if (o.count !== undefined && received >= o.count) finish();
    });
    call.on("error", (err: ServiceError) => {
      if (done || err.code === status.CANCELLED) return;
      const e = grpcErrorOf(err, address, "Subscribe");
      finish(e instanceof CliError ? e : new CliError(e.message, ExitCode.unreachable));
    });
    call.on("end", () => {
      if (!done) finish(new CliError("the coordinator ended the stream", ExitCode.unreachable));
    });
  });
}

export interface VerifyOptions extends CommonOptions, KeyOptions, CoordinatorTlsOptions {
  readonly file?: string;
  readonly from?: number;
  readonly to?: number;
  readonly http: boolean;
  readonly coordinator: string;
  readonly coordinatorHttp: string;
  readonly all: boolean;
  readonly quiet: boolean;
}

const PAGE = 1_000;

interface Page {
  readonly signals: Signal[];
  readonly lastSequence: number;
}

/** Reads `[from, to]` from the log page by page (`to` undefined: up to the log's last sequence). */
async function readRange(
  o: VerifyOptions,
  io: Io,
  fetchPage: (after: number) => Promise<Page>,
): Promise<Entry[]> {
  const from = o.from ?? 1;
  let target: number | undefined = o.to;
  const entries: Entry[] = [];
  let after = from - 1;
  for (;;) {
    const page = await fetchPage(after);
    const end: number = target ?? page.lastSequence;
    target = end;
    const batch = page.signals.filter((s) => s.sequence > after && s.sequence <= end);
    for (const s of batch) entries.push({ signal: s, where: "log" });
    const next = batch.length > 0 ? batch[batch.length - 1]!.sequence : after;
    if (!o.quiet && target > from) io.err(`read ${entries.length} signals, through #${next} of #${target}\n`);
    // stop at the end of the range, at the end of the log, or when a page makes no progress
    if (next >= end || batch.length === 0 || next <= after) break;
    after = next;
  }
  return entries;
}

/**
 * `breakwater signals verify`: a file (JSON lines from `signals tail --json`,
 * or the `/v1/signals` answer), or a range of the log read with ListSignals
 * (or HTTP `/v1/signals` with `--http`), checked against the pinned keys.
 * Exit 1 if any entry fails or there is nothing to verify.
 */
export async function verifyCommand(o: VerifyOptions, io: Io): Promise<number> {
  const keys = pinnedKeys(o);
  if (o.file && (o.from !== undefined || o.to !== undefined))
    throw new UsageError("give either --file or a range (--from/--to), not both");
  if (o.from !== undefined && o.to !== undefined && o.to < o.from)
    throw new UsageError(`--to ${o.to} is before --from ${o.from}`);
  let entries: Entry[];
  let what: string;
  if (o.file) {
    entries = parseSignalFile(readArgFile(o.file, "--file"), o.file);
    what = o.file;
  } else if (o.http) {
    const base = httpBase(o.coordinatorHttp, "--coordinator-http");
    what = `the log at ${base}`;
    entries = await readRange(o, io, async (after) => {
      const body = (await requestJson({
        service: "coordinator",
        url: `${base}/v1/signals?after=${after}&limit=${PAGE}`,
        timeoutMs: o.timeout,
      })) as { lastSequence?: number; signals?: unknown[] };
      return {
        lastSequence: body.lastSequence ?? 0,
        signals: (body.signals ?? []).map((s) => Signal.fromJSON(s)),
      };
    });
  } else {
    const client = new CoordinatorClient(
      grpcAddress(o.coordinator, "--coordinator"),
      o.timeout,
      coordinatorTlsOf(o),
    );
    what = `the log at ${client.address}`;
    try {
      entries = await readRange(o, io, (after) => client.listSignals(after, PAGE));
    } finally {
      client.close();
    }
  }
  if (!o.quiet && entries.length > PAGE) io.err(`verifying ${entries.length} signals…\n`);
  const report = verifyEntries(keys, entries);
  if (report.checked.length === 0) {
    io.err(`breakwater: nothing to verify in ${what}\n`);
    if (o.json) io.out(`${JSON.stringify(verifyReportJson(report), null, 2)}\n`);
    return ExitCode.failure;
  }
  io.out(
    o.json
      ? `${JSON.stringify(verifyReportJson(report), null, 2)}\n`
      : formatVerifyReport(report, { all: o.all }),
  );
  return report.failed > 0 ? ExitCode.failure : ExitCode.ok;
}
