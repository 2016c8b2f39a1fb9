/**
 * The filter's SMTP server (RFC 5321): what Postfix talks to on the filter port, either as a
 * before-queue proxy (smtpd_proxy_filter, SMTPD_PROXY_README) or as an after-queue content filter
 * (FILTER_README). It is a transparent proxy: MAIL, RCPT and RSET go to the next hop as they come
 * and its replies come back word for word; at the end of DATA the message is handed to `handle`
 * (verify or sign), and what it returns goes to the next hop, whose final reply is the answer to
 * Postfix's "." (accepted, deferred or rejected by the next hop, never by guesswork here).
 */
import type { Socket } from "node:net";
import { connectNextHop, type HostPort, type NextHop } from "./next-hop.js";
import { listenTcp, type TcpService } from "./tcp-service.js";
import { dotStuff, formatReply, reply, replyText, SmtpReader, type Reply } from "./smtp-io.js";

/** One transaction as the filter saw it. */
export interface Envelope {
  /** The MAIL FROM address without <> ("" for the null sender). */
  mailFrom: string;
  /** The recipients the next hop accepted. */
  rcptTo: string[];
  /** The HELO/EHLO name the SMTP client (Postfix) gave. */
  helo: string;
  /** XFORWARD attributes from Postfix (upper-case names, xtext-decoded values): the real client. */
  xforward: Readonly<Record<string, string>>;
}

/**
 * What to do with a message: relay it (possibly changed) or answer with a reply instead. `note` is
 * the log's words for what was done; `details` the same as data (for `--json` logs).
 */
export type Decision = ({ kind: "relay"; message: Buffer } | { kind: "reply"; reply: Reply }) & {
  note: string;
  details?: Record<string, unknown>;
};

/** What the filter logs: one event per message, and problems outside a message. */
export type FilterEvent =
  | {
      kind: "message";
      mailFrom: string;
      rcpts: number;
      /** The client Postfix forwarded (XFORWARD ADDR), when it did. */
      client?: string;
      note: string;
      details?: Record<string, unknown>;
      /** The reply Postfix got for the message. */
      reply: Reply;
    }
  | { kind: "problem"; text: string };

/** The one-line text of an event (the default log format). */
export function eventText(e: FilterEvent): string {
  if (e.kind === "problem") return e.text;
  const client = e.client ? ` client=${e.client}` : "";
  return `from=<${e.mailFrom}> rcpts=${e.rcpts}${client} ${e.note} -> ${replyText(e.reply)}`.replace(
    /[\r\n]+/g,
    " ",
  );
}

/** Options of {@link startFilterServer}. */
export interface FilterServerOptions {
  listen: HostPort;
  next: HostPort;
  /** The name in the greeting, EHLO replies and the EHLO to the next hop. */
  hostname: string;
  /** Largest message accepted (octets, dot-stuffed); a larger one gets 552. */
  maxSize: number;
  /** Idle time before a client or next-hop connection is dropped (ms). */
  timeoutMs: number;
  /** Decides about one message (never throws; a throw becomes a 451). */
  handle: (message: Buffer, envelope: Envelope) => Promise<Decision>;
  /** One event per message and per problem (see eventText). */
  log: (event: FilterEvent) => void;
}

/** A listening filter. */
export type FilterServer = TcpService;

/** The XFORWARD attributes Postfix sends (XFORWARD_README). */
const XFORWARD_ATTRS = "NAME ADDR PROTO HELO SOURCE PORT IDENT";

/**
 * MAIL or RCPT parameters for the next hop: as given, except that the DSN ones (RFC 3461: RET,
 * ENVID on MAIL; NOTIFY, ORCPT on RCPT) are left out when the next hop does not offer DSN, which
 * is then what it would have been without the filter.
 */
export function dsnParams(
  params: string,
  hop: { extensions: ReadonlyMap<string, string> },
  names: string[],
): string {
  if (hop.extensions.has("DSN") || params.trim() === "") return params;
  const kept = params
    .trim()
    .split(/\s+/)
    .filter((p) => !names.includes(p.split("=")[0]!.toUpperCase()));
  return kept.length > 0 ? ` ${kept.join(" ")}` : "";
}

/** xtext (RFC 3461 §4): "+" and two hex digits stand for one octet. */
export function xtextDecode(s: string): string {
  return s.replace(/\+([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Starts listening; resolves once the port is bound (rejects when it cannot be). */
export function startFilterServer(o: FilterServerOptions): Promise<FilterServer> {
  const state: Sessions = { busy: new WeakSet(), closing: false };
  return listenTcp({
    listen: o.listen,
    serve: (sock) => runSession(sock, o, state),
    problem: (text) => o.log({ kind: "problem", text }),
    // Idle sessions (between transactions) can go at once: Postfix reconnects. Busy ones end
    // after their message (runSession checks `closing`).
    closing: (sessions) => {
      state.closing = true;
      for (const s of sessions) if (!state.busy.has(s)) s.end(formatReply(SHUTTING_DOWN));
    },
    graceMs: 10000,
  });
}

/** A server's sessions: which are inside a transaction, and whether it is shutting down. */
interface Sessions {
  /** Sockets inside a transaction (MAIL to the end of DATA): a shutdown lets them finish. */
  busy: WeakSet<Socket>;
  closing: boolean;
}

const SHUTTING_DOWN = reply(421, "4.3.2 spfdk filter shutting down");

async function runSession(sock: Socket, o: FilterServerOptions, state: Sessions): Promise<void> {
  const busy = state.busy;
  sock.setTimeout(o.timeoutMs);
  sock.setNoDelay(true); // replies are small and each is awaited: no Nagle delay
  const r = new SmtpReader(sock);
  const say = (rep: Reply) => {
    if (!sock.destroyed && sock.writable) sock.write(formatReply(rep));
  };
  say(reply(220, `${o.hostname} ESMTP spfdk filter`));
  let helo = "";
  const xforwardRaw = new Map<string, string>();
  let xforwardFresh = false;
  let hop: NextHop | null = null;
  let mailFrom: string | null = null;
  let rcptTo: string[] = [];
  const resetTx = () => {
    mailFrom = null;
    rcptTo = [];
    busy.delete(sock);
  };
  try {
    for (;;) {
      const l = await r.line();
      if (l === null) return;
      if (l.tooLong) {
        say(reply(500, "5.5.2 Error: line too long"));
        continue;
      }
      const sp = l.text.indexOf(" ");
      const verb = (sp < 0 ? l.text : l.text.slice(0, sp)).toUpperCase();
      const arg = sp < 0 ? "" : l.text.slice(sp + 1).trim();
      switch (verb) {
        case "EHLO":
        case "HELO": {
          if (arg === "") {
            say(reply(501, `5.5.4 Syntax: ${verb} hostname`));
            break;
          }
          helo = arg;
          resetTx();
          if (hop) await hop.command("RSET");
          say(
            verb === "HELO"
              ? reply(250, o.hostname)
              : reply(
                  250,
                  o.hostname,
                  "PIPELINING",
                  `SIZE ${o.maxSize}`,
                  "ENHANCEDSTATUSCODES",
                  "8BITMIME",
                  "SMTPUTF8",
                  "DSN",
                  `XFORWARD ${XFORWARD_ATTRS}`,
                ),
          );
          break;
        }
        case "XFORWARD": {
          if (mailFrom !== null) {
            say(reply(503, "5.5.1 Error: XFORWARD inside a mail transaction"));
            break;
          }
          const attrs = arg.split(/\s+/).filter((a) => a.includes("="));
          if (attrs.length === 0) {
            say(reply(501, "5.5.4 Syntax: XFORWARD attribute=value..."));
            break;
          }
          for (const a of attrs) {
            const eq = a.indexOf("=");
            xforwardRaw.set(a.slice(0, eq).toUpperCase(), a.slice(eq + 1));
          }
          xforwardFresh = true;
          say(reply(250, "2.0.0 Ok"));
          break;
        }
        case "MAIL": {
          if (helo === "") {
            say(reply(503, "5.5.1 Error: send HELO/EHLO first"));
            break;
          }
          if (mailFrom !== null) {
            say(reply(503, "5.5.1 Error: nested MAIL command"));
            break;
          }
          const m = /^FROM:\s*<([^>]*)>(.*)$/i.exec(arg);
          if (!m) {
            say(reply(501, "5.5.4 Syntax: MAIL FROM:<address>"));
            break;
          }
          if (hop !== null && !hop.alive()) {
            // The next hop closed the connection since the last transaction (its idle timeout,
            // a restart): a new one is opened, with XFORWARD again.
            await hop.quit();
            hop = null;
          }
          if (hop === null) {
            const c = await connectNextHop(o.next, o.hostname, o.timeoutMs);
            if ("refused" in c) {
              o.log({
                kind: "problem",
                text: `next hop ${o.next.host}:${o.next.port}: ${replyText(c.refused)}`,
              });
              say(c.refused);
              break;
            }
            hop = c.hop;
            xforwardFresh = xforwardRaw.size > 0;
          }
          if (xforwardFresh && hop.extensions.has("XFORWARD")) {
            // Only what the next hop lists; the client's values pass on as they came (xtext).
            const offered = new Set((hop.extensions.get("XFORWARD") ?? "").toUpperCase().split(/\s+/));
            const pass = [...xforwardRaw].filter(([k]) => offered.has(k)).map(([k, v]) => `${k}=${v}`);
            if (pass.length > 0) {
              const x = await hop.command(`XFORWARD ${pass.join(" ")}`);
              if (x.code !== 250)
                o.log({ kind: "problem", text: `next hop refused XFORWARD: ${replyText(x)}` });
            }
          }
          xforwardFresh = false;
          const rep = await hop.command(`MAIL FROM:<${m[1]}>${dsnParams(m[2]!, hop, ["RET", "ENVID"])}`);
          if (rep.code >= 200 && rep.code < 300) {
            mailFrom = m[1]!;
            busy.add(sock);
          }
          say(rep);
          break;
        }
        case "RCPT": {
          if (mailFrom === null || hop === null) {
            say(reply(503, "5.5.1 Error: need MAIL command"));
            break;
          }
          const m = /^TO:\s*<([^>]*)>(.*)$/i.exec(arg);
          if (!m) {
            say(reply(501, "5.5.4 Syntax: RCPT TO:<address>"));
            break;
          }
          const rep = await hop.command(`RCPT TO:<${m[1]}>${dsnParams(m[2]!, hop, ["NOTIFY", "ORCPT"])}`);
          if (rep.code >= 200 && rep.code < 300) rcptTo.push(m[1]!);
          say(rep);
          break;
        }
        case "DATA": {
          if (mailFrom === null || hop === null) {
            say(reply(503, "5.5.1 Error: need MAIL command"));
            break;
          }
          if (rcptTo.length === 0) {
            say(reply(554, "5.5.1 Error: no valid recipients"));
            break;
          }
          say(reply(354, "End data with <CR><LF>.<CR><LF>"));
          const d = await r.data(o.maxSize);
          if (d === null) return;
          const envelope: Envelope = {
            mailFrom,
            rcptTo,
            helo,
            xforward: Object.fromEntries([...xforwardRaw].map(([k, v]) => [k, xtextDecode(v)])),
          };
          let final: Reply;
          let note: string;
          let details: Record<string, unknown> | undefined;
          if (d.kind === "too-big") {
            final = reply(552, `5.3.4 Error: message of ${d.size} octets is over the filter's limit`);
            note = "too big";
            await hop.command("RSET");
          } else {
            let decision: Decision;
            try {
              decision = await o.handle(d.message, envelope);
            } catch (err) {
              decision = {
                kind: "reply",
                reply: reply(451, "4.3.0 spfdk filter: internal error, try again later"),
                note: `internal error: ${(err as Error).message}`,
              };
            }
            note = decision.note;
            details = decision.details;
            if (decision.kind === "reply") {
              final = decision.reply;
              await hop.command("RSET");
            } else final = await hop.data(dotStuff(decision.message));
          }
          o.log({
            kind: "message",
            mailFrom,
            rcpts: rcptTo.length,
            ...(envelope.xforward.ADDR ? { client: envelope.xforward.ADDR } : {}),
            note,
            ...(details ? { details } : {}),
            reply: final,
          });
          say(final);
          resetTx();
          if (state.closing) {
            say(SHUTTING_DOWN);
            return;
          }
          break;
        }
        case "RSET":
          resetTx();
          if (hop) await hop.command("RSET");
          say(reply(250, "2.0.0 Ok"));
          break;
        case "NOOP":
          say(reply(250, "2.0.0 Ok"));
          break;
        case "QUIT":
          say(reply(221, "2.0.0 Bye"));
          return;
        case "VRFY":
        case "EXPN":
          say(reply(502, `5.5.1 Error: ${verb} is not offered`));
          break;
        default:
          say(reply(502, "5.5.2 Error: command not recognized"));
      }
    }
  } finally {
    busy.delete(sock);
    await (hop as NextHop | null)?.quit();
    if (!sock.destroyed) sock.end();
  }
}
