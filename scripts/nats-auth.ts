/**
 * Writes the nats-server authorization config for a deployment, and the nkey
 * seed of each service identity (created when missing, kept when present).
 *
 *   node --import tsx scripts/nats-auth.ts --chains ethereum,arbitrum --dir .nats-auth
 *
 * Writes `<dir>/<identity>.nk` (mode 0600: one per watcher chain, the
 * correlator, the coordinator, the Kafka exporter) and `<dir>/authorization.conf` (public keys
 * and permissions only: no secret in it; `--out` writes it elsewhere).
 * Prints each identity with its public key. See docs/architecture.md,
 * "NATS identities and permissions".
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { deploymentRoles, ensureSeedFiles, renderAuthorization, roleName, seedFileOf } from "@breakwater/bus";
import { CHAIN_ID_PATTERN } from "@breakwater/core";

const usage = "usage: nats-auth --chains <id,id,...> --dir <folder> [--out <authorization.conf>]";

function main(argv: readonly string[]): number {
  let values: { chains?: string; dir?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        chains: { type: "string" },
        dir: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const chains = (values.chains ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  const bad = chains.filter((c) => !CHAIN_ID_PATTERN.test(c));
  if (chains.length === 0 || !values.dir || bad.length > 0) {
    process.stderr.write(
      `${bad.length > 0 ? `not chain ids (lowercase letters, digits, dashes): ${bad.join(", ")}\n` : ""}${usage}\n`,
    );
    return 2;
  }
  const dir = values.dir;
  const identities = ensureSeedFiles(dir, deploymentRoles(chains));
  const out = values.out ?? join(dir, "authorization.conf");
  writeFileSync(out, renderAuthorization(identities));
  for (const id of identities)
    process.stdout.write(`${roleName(id.role).padEnd(24)} ${id.nkey}  ${seedFileOf(dir, id.role)}\n`);
  process.stdout.write(`authorization config: ${out}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
