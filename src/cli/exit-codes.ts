/** Exit codes of every subcommand; documented in docs/exit-codes.md. */
export const ExitCode = { Ok: 0, Negative: 1, Usage: 2, TempError: 3, PermError: 4, Internal: 70 } as const;
/** Negative: the check ran and its result is not a pass. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Exit code for a Ctrl-C in an interactive prompt (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** A user-facing error: usage, input or I/O. `main` prints its message as one line, never a stack trace. */
export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: ExitCode | typeof EXIT_INTERRUPTED;
  constructor(exitCode: ExitCode | typeof EXIT_INTERRUPTED, message: string, opts?: ErrorOptions) {
    super(message, opts);
    this.exitCode = exitCode;
  }
}
