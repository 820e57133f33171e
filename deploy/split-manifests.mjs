#!/usr/bin/env node
// Reads `helm template` output on stdin and writes one file per object into the folder named by
// the first argument (<kind>.<name>.yaml, keys sorted), so two renders diff object by object:
//   diff -ru before/ after/
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";

const out = process.argv[2];
if (!out) {
  process.stderr.write("usage: split-manifests.mjs OUTPUT_DIR < manifests.yaml\n");
  process.exit(2);
}
let text = "";
for await (const chunk of process.stdin) text += chunk;
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith(".yaml")) rmSync(join(out, f));
let count = 0;
for (const doc of parseAllDocuments(text)) {
  const o = doc.toJS();
  if (!o) continue;
  const file = `${o.kind}.${o.metadata.name}.yaml`.replace(/[^A-Za-z0-9_.-]/g, "_");
  writeFileSync(join(out, file), stringify(o, { sortMapEntries: true }));
  count++;
}
process.stderr.write(`${count} objects written to ${out}\n`);
