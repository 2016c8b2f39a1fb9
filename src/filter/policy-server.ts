/**
 * The policy delegation server (Postfix SMTPD_POLICY_README) of `spfdk policy`: requests are
 * `name=value` lines ended by an empty line, each answered with `action=...` and an empty line, many
 * per connection. When a request cannot be answered (a malformed line, an internal error) the
 * protocol wants no reply: the connection is closed and Postfix applies its default action.
 */
import type { Socket } from "node:net";
import type { HostPort } from "./next-hop.js";
import type { PolicyDecision } from "./policy.js";
import { SmtpReader } from "./smtp-io.js";
import { listenTcp, type TcpService } from "./tcp-service.js";

/** What the policy server logs. */
export type PolicyEvent =
  | { kind: "decision"; request: ReadonlyMap<string, string>; decision: PolicyDecision }
  | { kind: "problem"; text: string };

/** Options of {@link startPolicyServer}. */
export interface PolicyServerOptions {
  listen: HostPort;
  decide: (request: ReadonlyMap<string, string>) => Promise<PolicyDecision>;
  log: (e: PolicyEvent) => void;
  /** Idle time before a connection is closed (ms); Postfix's own limit is smtpd_policy_service_max_idle. */
  timeoutMs: number;
}

/** Most attributes in one request (Postfix 3.7 sends about 30). */
const MAX_ATTRIBUTES = 200;

/** Starts listening; resolves once bound (rejects when the port cannot be opened). */
export function startPolicyServer(o: PolicyServerOptions): Promise<TcpService> {
  return listenTcp({
    listen: o.listen,
    serve: (sock) => serve(sock, o),
    problem: (text) => o.log({ kind: "problem", text }),
    // Between requests a connection can go at once: Postfix opens a new one.
    closing: (sessions) => {
      for (const s of sessions) s.end();
    },
    graceMs: 5000,
  });
}

async function serve(sock: Socket, o: PolicyServerOptions): Promise<void> {
  sock.setTimeout(o.timeoutMs);
  sock.setNoDelay(true);
  const r = new SmtpReader(sock, 8192);
  let request = new Map<string, string>();
  for (;;) {
    const l = await r.line();
    if (l === null) return;
    const eq = l.text.indexOf("=");
    if (l.tooLong || (l.text !== "" && eq <= 0) || request.size > MAX_ATTRIBUTES) {
      o.log({ kind: "problem", text: "malformed request: closing the connection without a reply" });
      sock.destroy();
      return;
    }
    if (l.text !== "") {
      request.set(l.text.slice(0, eq).toLowerCase(), l.text.slice(eq + 1));
      continue;
    }
    if (request.size === 0) continue; // stray empty lines between requests
    let decision: PolicyDecision;
    try {
      decision = await o.decide(request);
    } catch (err) {
      o.log({ kind: "problem", text: `internal error: ${(err as Error).message}; no reply` });
      sock.destroy();
      return;
    }
    if (!sock.writable) return;
    sock.write(`action=${decision.action}\n\n`);
    o.log({ kind: "decision", request, decision });
    request = new Map();
  }
}
