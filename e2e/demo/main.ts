/**
 * `make demo`: the whole system on embedded defaults, driven through a
 * scripted crash. Prints every address at start, a summary at the end, and
 * writes a JSON report (DEMO_REPORT overrides its path). DEMO_KEEP=1 keeps
 * everything running, the crash repeating, until interrupted.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { eventually } from "@breakwater/testkit";
import { startDashboardProcess } from "../dashboard/dashboard-process.js";
import { GUEST_VENUE, type RunningSystem, startSystem, type VenueSignalLine } from "../system.js";

const CHAINS = ["sim-a", "sim-b"];
const EVM_CHAIN = "evm-local";
const SOLANA_CHAIN = "solana-local";
const VENUES = ["perp-a", "lend-a", "perp-b", "perp-evm", "drift"];
/** One trader on two chains: the EVM venue's trader 0 and the Drift user of the first Solana owner key. */
const CROSS_CHAIN_ENTITY = "trader-0";
/** The scripted crash starts this long after genesis on every chain (the sim scenario's shock). */
const CRASH_AT_MS = 8_000;
const REPEAT_MS = 60_000;
const keep = process.env["DEMO_KEEP"] === "1";
const reportPath = resolve(process.env["DEMO_REPORT"] ?? ".demo/report.json");
const DEADLINE_MS = 100_000;

function line(text = ""): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  line(
    "Breakwater demo: two simulated chains, a local EVM chain and a simulated Solana cluster, correlator, coordinator, five venues; ETH falls 8%.",
  );
  const system = await startSystem({
    chains: CHAINS,
    venues: VENUES,
    evm: { chain: EVM_CHAIN, seedPositions: 12, seedOptions: 6 },
    // The demo signs with an ephemeral key (a warning says so); venues fetch it from the coordinator.
    developmentSigningKey: true,
    solana: { chain: SOLANA_CHAIN, traders: 8 },
    // the EVM venue's trader 0 and the first Drift user's owner key are one trader; returns sampled
    // every second, so the dashboard's correlation matrix fills within half a minute
    correlatorConfig: ({ evm, solana }) =>
      `entityMap:\n  "${evm?.traders[0]}": ${CROSS_CHAIN_ENTITY}\n  "${SOLANA_CHAIN}:${solana?.owners[0]}": ${CROSS_CHAIN_ENTITY}\n` +
      "volSampleMs: 1000\ncorrelationMinSamples: 10\n",
    ...(keep
      ? {
          // the crash repeats every minute; the level-1 breaker re-arms after 30 s
          scenario: { repeatEveryMs: REPEAT_MS },
          coordinatorEnv: { BW_BREAKER_PERIOD_MS: "30000", BW_BREAKER_HALT_MS: "20000" },
        }
      : {}),
  });
  // the researcher's page: its link carries a one-off token (the dashboard requires one)
  const dashboard = await startDashboardProcess(system, {
    researcherToken: randomBytes(24).toString("hex"),
  }).catch(async (err: unknown) => {
    await system.stop();
    throw err;
  });
  driveEvmCrashes(system);
  driveSolanaCrashes(system);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await dashboard.process.stop();
    await system.stop();
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(0)));
  process.once("SIGTERM", () => void stop().then(() => process.exit(0)));

  line("\nAddresses:");
  for (const [name, addr] of Object.entries(system.addresses)) line(`  ${name.padEnd(22)} ${addr}`);
  line(`  ${"dashboard".padEnd(22)} ${dashboard.link} (open it in a browser)`);
  line(`  ${"venues".padEnd(22)} ${VENUES.join(", ")} (sample venues subscribed over gRPC)`);
  line(
    `  ${"nats identities".padEnd(22)} ${system.natsAuthDir} (one nkey seed per service; NATS refuses anyone else)`,
  );

  if (keep) {
    line("\nMutual TLS (subscribe as another venue with these):");
    line(`  ${"CA bundle".padEnd(22)} ${system.pki.caFile}`);
    for (const [venue, files] of Object.entries(system.pki.venues)) {
      const note = venue === GUEST_VENUE ? " (spare, every market in scope)" : "";
      line(`  ${venue.padEnd(22)} cert ${files.certFile}`);
      line(`  ${"".padEnd(22)} key  ${files.keyFile}${note}`);
    }
    line("\nDEMO_KEEP=1: running until interrupted (Ctrl-C). Try:");
    line(`  curl ${system.addresses["correlator http"]}/v1/exposure?asset=ETH`);
    line(`  curl ${system.addresses["coordinator http"]}/v1/signals`);
    line("Signals as venues receive them:");
    const printed = new Map<string, number>();
    setInterval(() => {
      for (const v of VENUES) {
        const list = system.signals(v);
        for (const s of list.slice(printed.get(v) ?? 0)) {
          line(
            `  ${v.padEnd(8)} seq ${s.sequence} ${s.kind} on ${(s.scope["assets"] ?? []).join(",")} received in ${s.latencyMs} ms`,
          );
        }
        printed.set(v, list.length);
      }
    }, 1_000);
    await new Promise(() => undefined);
  }

  line("\nWaiting for the scripted crash and the halt ...");
  let outcome: "ok" | "timeout" = "ok";
  try {
    await eventually(
      () =>
        VENUES.every((v) =>
          system.signals(v).some((s) => s.kind === "circuit_breaker" && (s.level ?? 0) >= 1),
        )
          ? true
          : undefined,
      DEADLINE_MS,
      "every venue received a circuit breaker",
    );
    // let acks land and any (unexpected) extra signal show up
    await new Promise((r) => setTimeout(r, 2_000));
  } catch {
    outcome = "timeout";
  }

  const report = await buildReport(system, startedAt, outcome);
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  printSummary(report);
  line(`\nReport: ${reportPath}`);
  await stop();
  return outcome === "ok" && report.consistent ? 0 : 1;
}

/**
 * The EVM chain's oracle follows the same script as the simulated chains: the
 * ETH feed falls 8% in steps from genesis + 8 s (and, with DEMO_KEEP, recovers
 * and falls again every minute), liquidating what each step puts under water.
 */
function driveEvmCrashes(system: RunningSystem): void {
  const lab = system.evm;
  if (!lab) return;
  const crashAt = (at: number) => {
    const timer = setTimeout(
      () => {
        lab
          .setPrice("ETH", 3000)
          .then(() => lab.crash("ETH", { move: -0.08, steps: 8, stepMs: 500, liquidate: true }))
          .catch((err: unknown) => line(`  (evm crash script: ${String(err)})`));
        if (keep) crashAt(at + REPEAT_MS);
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
  };
  crashAt(system.genesisMs + CRASH_AT_MS);
}

/** The Solana cluster's Pyth ETH feed and Drift's ETH-PERP oracle follow the same script. */
function driveSolanaCrashes(system: RunningSystem): void {
  const cluster = system.solana;
  if (!cluster) return;
  const crashAt = (at: number) => {
    const timer = setTimeout(
      () => {
        cluster
          .setPrice(3000)
          .then(() => cluster.crash({ move: -0.08, steps: 8, stepMs: 500 }))
          .catch((err: unknown) => line(`  (solana crash script: ${String(err)})`));
        if (keep) crashAt(at + REPEAT_MS);
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
  };
  crashAt(system.genesisMs + CRASH_AT_MS);
}

async function buildReport(system: RunningSystem, startedAt: number, outcome: string) {
  const venues: Record<string, VenueSignalLine[]> = {};
  for (const v of VENUES) venues[v] = system.signals(v);
  // Every venue must hold the same halts: the same sequences at the same effective times.
  const halts = Object.values(venues).map((list) =>
    list
      .filter((s) => s.kind === "circuit_breaker")
      .map((s) => `${s.sequence}@${s.effectiveAtMs}`)
      .join(","),
  );
  const query = async (path: string): Promise<unknown> => {
    try {
      return await (await fetch(`${system.addresses["correlator http"]}${path}`)).json();
    } catch (err) {
      return { error: String(err) };
    }
  };
  const exposure = await query("/v1/exposure?asset=ETH");
  const crossChain = await query(`/v1/exposure?entity=${CROSS_CHAIN_ENTITY}`);
  const greeks = await query("/v1/greeks?asset=ETH");
  return {
    outcome,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    addresses: system.addresses,
    consistent: halts.length > 0 && halts[0] !== "" && halts.every((h) => h === halts[0]),
    venues: Object.fromEntries(
      Object.entries(venues).map(([v, list]) => [
        v,
        list.map((s) => ({
          sequence: s.sequence,
          kind: s.kind,
          level: s.level,
          scope: s.scope,
          issuedAt: new Date(s.issuedAtMs).toISOString(),
          effectiveAt: new Date(s.effectiveAtMs).toISOString(),
          receiveLatencyMs: s.latencyMs,
          receivedBeforeEffective: s.receivedAtMs <= s.effectiveAtMs,
          reason: s.reason,
        })),
      ]),
    ),
    exposureETH: exposure,
    crossChainEntity: { entity: CROSS_CHAIN_ENTITY, exposure: crossChain },
    greeksETH: greeks,
  };
}

interface ExposureRow {
  readonly asset: string;
  readonly venueId: string;
  readonly chainId: string;
  readonly netNotional: number;
  readonly grossNotional: number;
  readonly positions: number;
}

interface GreeksLine {
  readonly positions: number;
  readonly unpriceable?: boolean;
  readonly referencePrice?: string;
  readonly delta?: number;
  readonly gamma?: number;
  readonly vega?: number;
  readonly byVenue?: readonly { readonly venueId: string }[];
}

const fmt = (x: number | undefined) => (x === undefined ? "n/a" : x.toFixed(4));

function printSummary(report: Awaited<ReturnType<typeof buildReport>>): void {
  line(`\nSummary (${(report.durationMs / 1000).toFixed(1)} s, outcome: ${report.outcome}):`);
  for (const [venue, list] of Object.entries(report.venues)) {
    if (list.length === 0) line(`  ${venue.padEnd(8)} no signal received`);
    for (const s of list) {
      line(
        `  ${venue.padEnd(8)} seq ${s.sequence} ${s.kind}${s.level ? ` L${s.level}` : ""} on ${(s.scope["assets"] ?? []).join(",")}` +
          ` effective ${s.effectiveAt} received in ${s.receiveLatencyMs} ms${s.receivedBeforeEffective ? "" : " (LATE)"}`,
      );
      if (venue === Object.keys(report.venues)[0]) line(`           ${s.reason}`);
    }
  }
  line(
    report.consistent
      ? "  every venue received the same halts (same sequences, same effective times)"
      : "  INCONSISTENT: venues did not all receive the same halts",
  );
  const rows = (report.crossChainEntity.exposure as { rows?: ExposureRow[] }).rows ?? [];
  const legs = rows.filter((r) => r.positions > 0 && r.grossNotional > 0);
  if (legs.length > 0)
    line(
      `  entity ${report.crossChainEntity.entity}: ` +
        legs.map((r) => `${r.asset} ${r.netNotional.toFixed(0)} on ${r.venueId} (${r.chainId})`).join(", "),
    );
  const eth = (report.greeksETH as { assets?: GreeksLine[] }).assets?.[0];
  if (eth && !eth.unpriceable)
    line(
      `  options on ETH (${eth.positions} positions on ${(eth.byVenue ?? []).map((v) => v.venueId).join(", ")}): ` +
        `delta ${fmt(eth.delta)}, gamma ${fmt(eth.gamma)}, vega ${fmt(eth.vega)} at ${eth.referencePrice}`,
    );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
