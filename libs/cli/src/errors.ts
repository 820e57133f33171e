import { ExitCode } from "./exit-codes.js";

/** An error a command reports as one line on stderr, exiting with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad command line or flag value (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** A service that cannot be reached or is not ready (exit 3). */
export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.unreachable);
  }
}

/** A service that answered with an error, or unusable input (exit 1). */
export class FailureError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.failure);
  }
}

/** A feature the servers do not offer yet (exit 4). */
export class NotAvailableError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.notAvailable);
  }
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
