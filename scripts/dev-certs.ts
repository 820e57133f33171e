// `make certs`: a development CA and the certificates Breakwater's services, venues and people
// present, into a git-ignored folder, with a venue registry naming the venues. Development only.
//
//   node --import tsx scripts/dev-certs.ts [--out .certs] [--venues a,b] [--operators ops] [--dns name,...]

import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeDevPki } from "@breakwater/identity/dev-pki";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: ".certs" },
    venues: { type: "string", default: "perp-a,lend-a,perp-b,perp-evm,guest-venue" },
    operators: { type: "string", default: "operator-1,operator-2" },
    researchers: { type: "string", default: "researcher-1" },
    dns: { type: "string", default: "" },
  },
});
const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const dir = resolve(values.out);
const venues = list(values.venues);
const pki = await writeDevPki(dir, {
  venues,
  services: ["coordinator", "correlator"],
  people: [
    ...list(values.operators).map((name) => ({ role: "operator" as const, name })),
    ...list(values.researchers).map((name) => ({ role: "researcher" as const, name })),
  ],
  serverDnsNames: list(values.dns),
});
const registry = join(dir, "venues.yaml");
writeFileSync(registry, `venues:\n${venues.map((id) => `  - id: ${id}\n`).join("")}`);
process.stdout.write(`development certificates in ${dir} (development only: the CA key is beside them)\n`);
process.stdout.write(`  CA bundle        ${pki.caFile}\n`);
for (const [name, f] of Object.entries(pki.services))
  process.stdout.write(`  ${`server ${name}`.padEnd(16)} ${f.certFile}  ${f.keyFile}\n`);
for (const [name, f] of Object.entries(pki.venues))
  process.stdout.write(`  ${`venue ${name}`.padEnd(16)} ${f.certFile}  ${f.keyFile}\n`);
for (const [name, f] of Object.entries(pki.people))
  process.stdout.write(`  ${name.padEnd(16)} ${f.certFile}  ${f.keyFile}\n`);
process.stdout.write(`  venue registry   ${registry}\n`);
