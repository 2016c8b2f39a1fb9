/** What `spfdk filter` and `spfdk policy` share as long-running commands: the log and the run loop. */
import type { TcpService } from "../filter/tcp-service.js";
import type { HostPort } from "../filter/next-hop.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";

/** A log line: the text form, and the same as data for --json (one object per line, with time). */
export type DaemonLog = (line: string, data: Record<string, unknown>) => void;

/** The daemon's log on standard error: `prefix: line`, or JSON lines with `--json`. */
export function daemonLog(ctx: CommandContext, prefix: string, json: boolean): DaemonLog {
  return (line, data) =>
    ctx.stderr(
      json
        ? `${JSON.stringify({ time: ctx.now().toISOString(), ...data })}\n`
        : `${prefix}: ${line.replace(/[\r\n]+/g, " ")}\n`,
    );
}

/**
 * Starts the service (a port that cannot be opened is bad usage, exit 2), logs where it listens,
 * and runs until a stop signal, then closes it (letting work in progress finish) and logs the end.
 */
export async function serveUntilStopped(
  ctx: CommandContext,
  o: {
    listen: HostPort;
    start: () => Promise<TcpService>;
    log: DaemonLog;
    /** The "listening" line and event, given the address in use. */
    listening: (at: string) => [string, Record<string, unknown>];
    /** What stopping means, for the log ("finishing the messages in progress"). */
    stopping: string;
  },
): Promise<void> {
  let service: TcpService;
  try {
    service = await o.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(
      ExitCode.Usage,
      `cannot listen on ${o.listen.host}:${o.listen.port}: ${e.code ?? e.message}`,
    );
  }
  o.log(...o.listening(`${service.address.host}:${service.address.port}`));
  await new Promise<void>((resolve) => {
    const off = ctx.onStopSignal?.((signal) => {
      o.log(`${signal}: ${o.stopping}`, { event: "stopping", signal });
      off?.();
      void service.close().then(resolve);
    });
  });
  o.log("stopped", { event: "stopped" });
}
