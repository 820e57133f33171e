// `breakwater`, the command line: entry point, exit codes, and the pure parts (parsing, formatting) for reuse and tests.
export { ExitCode } from "./exit-codes.js";
export type { Io } from "./io.js";
export { main } from "./main.js";
export { DEFAULTS, ENV } from "./program.js";
