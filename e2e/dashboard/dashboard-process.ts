import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tokenHash } from "@breakwater/identity";
import { freePort, type ServiceProcess, startService } from "@breakwater/testkit";
import type { RunningSystem } from "../system.js";

const DASHBOARD = "services/dashboard/src/main.ts";

export interface DashboardProcess {
  readonly process: ServiceProcess;
  /** http://127.0.0.1:port */
  readonly url: string;
  /** A researcher's token for the dashboard (undefined when it runs open). */
  readonly token: string | undefined;
  /** The address a researcher opens: with `?token=` when tokens are required. */
  readonly link: string;
}

/**
 * Starts the dashboard as its own process on a free loopback port, reading the
 * system's correlator and coordinator. With `researcherToken` it requires that
 * token (a tokens file with its hash, role researcher, in the system's folder).
 */
export async function startDashboardProcess(
  system: RunningSystem,
  opts: {
    researcherToken?: string;
    /** A file with the token the dashboard presents to the correlator and coordinator. */
    upstreamTokenFile?: string;
    pollMs?: number;
    logLevel?: string;
  } = {},
): Promise<DashboardProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    BW_HTTP_HOST: "127.0.0.1",
    BW_HTTP_PORT: String(port),
    BW_CORRELATOR_URL: system.addresses["correlator http"]!,
    BW_COORDINATOR_URL: system.addresses["coordinator http"]!,
    BW_DASHBOARD_POLL_MS: String(opts.pollMs ?? 1_000),
    BW_LOG_LEVEL: opts.logLevel ?? "info",
  };
  if (opts.upstreamTokenFile) env["BW_UPSTREAM_TOKEN_FILE"] = opts.upstreamTokenFile;
  if (opts.researcherToken) {
    const file = join(system.dir, "dashboard-tokens.yaml");
    writeFileSync(
      file,
      `tokens:\n  - { name: dashboard-researcher, role: researcher, sha256: ${tokenHash(opts.researcherToken)} }\n`,
      { mode: 0o600 },
    );
    env["BW_HTTP_TOKENS_FILE"] = file;
  }
  const process = startService(DASHBOARD, [], env);
  await process.waitFor(/dashboard started/, 30_000);
  const url = `http://127.0.0.1:${port}`;
  const token = opts.researcherToken;
  return { process, url, token, link: token ? `${url}/?token=${encodeURIComponent(token)}` : url };
}
