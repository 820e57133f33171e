// Compiles the test and demo contracts offline with the npm solc
// (solc-js 0.8.28) and writes one artifact per contract (ABI + bytecode) to
// contracts/artifacts/. Reproducible: same sources, same compiler, same output.
//   node libs/testkit/contracts/compile.mjs
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");
const here = fileURLToPath(new URL(".", import.meta.url));
const sourceDir = join(here, "src");
const outDir = join(here, "artifacts");
const EVM_VERSION = "shanghai";

const sources = Object.fromEntries(
  readdirSync(sourceDir)
    .filter((f) => f.endsWith(".sol"))
    .sort()
    .map((f) => [f, { content: readFileSync(join(sourceDir, f), "utf8") }]),
);
const input = {
  language: "Solidity",
  sources,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
for (const e of output.errors ?? []) process.stderr.write(`${e.formattedMessage}\n`);
if (errors.length > 0) process.exit(1);

for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    if (c.evm.bytecode.object === "") continue; // interfaces
    const artifact = {
      contractName: name,
      sourceName: `contracts/src/${file}`,
      compiler: `solc ${solc.version()}`,
      evmVersion: EVM_VERSION,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
    };
    writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
    process.stdout.write(`${name}: ${c.evm.bytecode.object.length / 2} bytes\n`);
  }
}
