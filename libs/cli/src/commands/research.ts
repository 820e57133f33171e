import { ExitCode } from "../exit-codes.js";
import {
  type ExposureAnswer,
  formatExposure,
  formatLadder,
  formatStress,
  type LadderAnswer,
  type StressAnswer,
} from "../format/research.js";
import { httpBase, requestJson } from "../http-client.js";
import type { Io } from "../io.js";
import { parseScenarioFile, stressBodyOf } from "../stress-input.js";
import { type CommonOptions, jsonText, readArgFile } from "./common.js";

interface CorrelatorOptions extends CommonOptions {
  readonly correlator: string;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : "";
}

export interface ExposureOptions extends CorrelatorOptions {
  readonly asset?: string;
  readonly chain?: string;
  readonly venue?: string;
  readonly entity?: string;
}

/** `breakwater exposure`: GET /v1/exposure. */
export async function exposureCommand(o: ExposureOptions, io: Io): Promise<number> {
  const base = httpBase(o.correlator, "--correlator");
  const answer = await requestJson({
    service: "correlator",
    url: `${base}/v1/exposure${query({ asset: o.asset, chain: o.chain, venue: o.venue, entity: o.entity })}`,
    timeoutMs: o.timeout,
  });
  io.out(o.json ? jsonText(answer) : formatExposure(answer as ExposureAnswer));
  return ExitCode.ok;
}

export interface LadderOptions extends CorrelatorOptions {
  readonly asset?: string;
  readonly stepBps?: number;
  readonly rangeBps?: number;
  readonly allRungs: boolean;
}

/** `breakwater ladder`: GET /v1/ladder. */
export async function ladderCommand(o: LadderOptions, io: Io): Promise<number> {
  const base = httpBase(o.correlator, "--correlator");
  const answer = await requestJson({
    service: "correlator",
    url: `${base}/v1/ladder${query({ asset: o.asset, stepBps: o.stepBps, rangeBps: o.rangeBps })}`,
    timeoutMs: o.timeout,
  });
  io.out(o.json ? jsonText(answer) : formatLadder(answer as LadderAnswer, { allRungs: o.allRungs }));
  return ExitCode.ok;
}

export interface StressOptions extends CorrelatorOptions {
  readonly file?: string;
  readonly shock: readonly string[];
  readonly depth: readonly string[];
  readonly fund: readonly string[];
  readonly maxRounds?: number;
  readonly propagate?: boolean;
}

/** `breakwater stress`: a what-if from flags and/or a file, POST /v1/stress. */
export async function stressCommand(o: StressOptions, io: Io): Promise<number> {
  const base = httpBase(o.correlator, "--correlator");
  const file = o.file ? parseScenarioFile(readArgFile(o.file, "--file"), o.file) : undefined;
  const body = stressBodyOf(file, {
    shock: o.shock,
    depth: o.depth,
    fund: o.fund,
    ...(o.maxRounds === undefined ? {} : { maxRounds: o.maxRounds }),
    ...(o.propagate === undefined ? {} : { propagate: o.propagate }),
  });
  io.err(`running the cascade on the correlator (${body.shocks.length} shocks)…\n`);
  const answer = await requestJson({
    service: "correlator",
    url: `${base}/v1/stress`,
    method: "POST",
    body,
    timeoutMs: o.timeout,
  });
  io.out(o.json ? jsonText(answer) : formatStress(answer as StressAnswer));
  return ExitCode.ok;
}
