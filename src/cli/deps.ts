import type { Readable } from "node:stream";
import type { Resolver } from "../dns/resolver.js";
import type { Ask } from "./spf-wizard-ask.js";

/**
 * Everything a subcommand may touch outside the core. `bin/spfdk` builds the real one from
 * `process`; tests pass a fake one to `main(argv, deps)` and read what was written.
 */
export interface CliDeps {
  /** Writes text to standard output, exactly as given. */
  stdout: (text: string) => void;
  /** Writes bytes to standard output; resolves once they are accepted (for large signed messages). */
  writeOut?: (chunk: Buffer) => Promise<void>;
  /** Writes text to standard error, exactly as given. */
  stderr: (text: string) => void;
  /** Opens standard input (only when a subcommand reads it). */
  stdin: () => Readable;
  /** Environment variables (NO_COLOR, CI, …). */
  env: Readonly<Record<string, string | undefined>>;
  /** Working directory for relative paths. */
  cwd: string;
  /** Whether stdin and stdout are terminals. */
  isTTY: { stdin: boolean; stdout: boolean };
  /** The clock. */
  now: () => Date;
  /** Tests may inject a resolver; otherwise one is built from --dns / --zone / --timeout. */
  resolver?: Resolver;
  /** Tests may inject a scripted prompt for `spf-wizard`; otherwise @inquirer/prompts is used on a terminal. */
  ask?: Ask;
  /**
   * Calls `stop` once on SIGTERM or SIGINT (a long-running `spfdk filter` shuts down); returns a
   * function that removes the handler. Absent: the command never hears of a signal.
   */
  onStopSignal?: (stop: (signal: string) => void) => () => void;
}

/** What `main` hands every subcommand: the deps plus the run's state. */
export interface CommandContext extends CliDeps {
  /** Sets the exit code the run returns (last call wins). */
  setExitCode: (code: number) => void;
  /** Whether output may use colour (false with --no-color, NO_COLOR, --json or a non-TTY stdout). */
  color: () => boolean;
  /** Writes a trace line to stderr when --verbose is on. */
  trace: (line: string) => void;
}
