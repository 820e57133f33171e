/** The exit codes of every `breakwater` command (documented in the README). */
export const ExitCode = {
  /** Done; for verification, every signal verified. */
  ok: 0,
  /** A service answered with an error, a signal failed verification, an input file is unusable. */
  failure: 1,
  /** Bad command line: unknown command or flag, missing or invalid value. */
  usage: 2,
  /** A service could not be reached (refused, timed out, not ready) or the stream to it was lost. */
  unreachable: 3,
  /** The command needs a server feature that does not exist yet (the operator API). */
  notAvailable: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
