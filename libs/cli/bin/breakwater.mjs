#!/usr/bin/env node
// The `breakwater` command: runs the TypeScript sources through tsx, in this process.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
// Every command closes what it opened; should a handle linger, do not hang on it.
setTimeout(() => process.exit(), 2_000).unref();
