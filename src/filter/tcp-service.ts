/**
 * Listening on TCP for a daemon (the SMTP filter, the policy service): connections go to `serve`,
 * a connection whose `serve` fails is logged and dropped, and `close` stops listening, lets the
 * daemon end its sessions (`closing`) and drops whatever is left after a grace period.
 */
import { createServer, type Socket } from "node:net";
import type { HostPort } from "./next-hop.js";

/** A listening daemon. */
export interface TcpService {
  /** Where it listens (the real port when 0 was asked). */
  address: HostPort;
  /** Stops listening, waits up to `graceMs` for sessions to end, then drops the rest. */
  close(graceMs?: number): Promise<void>;
}

/** Options of {@link listenTcp}. */
export interface TcpServiceOptions {
  listen: HostPort;
  serve: (sock: Socket) => Promise<void>;
  problem: (text: string) => void;
  /** Called when `close` starts, with the open sessions (end the idle ones here). */
  closing: (sessions: ReadonlySet<Socket>) => void;
  /** Default grace period of `close` (ms). */
  graceMs: number;
}

/** Starts listening; resolves once the port is bound (rejects when it cannot be). */
export function listenTcp(o: TcpServiceOptions): Promise<TcpService> {
  const sessions = new Set<Socket>();
  const server = createServer((sock) => {
    sessions.add(sock);
    sock.on("close", () => sessions.delete(sock));
    o.serve(sock).catch((err: unknown) => {
      o.problem(`connection error: ${(err as Error).message}`);
      sock.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off("error", reject);
      server.on("error", (err) => o.problem(`listener error: ${err.message}`));
      const a = server.address();
      resolve({
        address: { host: o.listen.host, port: typeof a === "object" && a !== null ? a.port : o.listen.port },
        close: (graceMs = o.graceMs) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => {
              for (const s of sessions) s.destroy();
            }, graceMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            o.closing(sessions);
          }),
      });
    });
  });
}
