import { CommanderError } from "commander";
import { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { type Io, processIo } from "./io.js";
import { buildProgram } from "./program.js";

/** Runs one `breakwater` command line; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const state = { code: ExitCode.ok as number };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse error is a usage error (help was printed)
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof CliError) {
      io.err(`breakwater: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(
      `breakwater: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return ExitCode.failure;
  }
}
