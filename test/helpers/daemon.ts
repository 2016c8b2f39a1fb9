/**
 * Runs a long-running command (`spfdk filter`, `spfdk policy`) in process with `runCli`: its stop
 * signal is captured, and the caller works against the port it says it listens on, then stops it.
 */
import { runCli } from "./cli.js";

/** A running daemon command. */
export interface DaemonRun {
  /** The port from its "… on 127.0.0.1:PORT" line ("listen":"127.0.0.1:PORT" with --json); 0 if none. */
  port: number;
  /** Standard error so far. */
  log: () => string;
  /** Sends the stop signal and waits for the command to end. */
  stop: () => Promise<{ code: number; log: string }>;
}

/** Starts `argv` and waits (up to 4 s) until it says where it listens, or ends. */
export async function startDaemon(argv: string[]): Promise<DaemonRun> {
  let log = "";
  let signal: ((s: string) => void) | null = null;
  let ended = false;
  const run = runCli(argv, {
    stderr: (t) => (log += t),
    onStopSignal: (s) => {
      signal = s;
      return () => undefined;
    },
  }).finally(() => (ended = true));
  const where = /(?: on |"listen":")127\.0\.0\.1:(\d+)/;
  for (let i = 0; i < 200 && !where.test(log) && !ended; i++) await new Promise((r) => setTimeout(r, 20));
  return {
    port: Number(where.exec(log)?.[1] ?? 0),
    log: () => log,
    stop: async () => {
      (signal as ((s: string) => void) | null)?.("SIGTERM");
      const r = await run;
      return { code: r.code, log };
    },
  };
}
