/**
 * The verifying filter's decision (the dkfilter.in role): every DKIM and DomainKeys signature is
 * checked, SPF too when Postfix forwarded the client's address (XFORWARD ADDR), and the message
 * goes on with one `Authentication-Results:` field on top (RFC 8601). Fields that claim this
 * host's authserv-id arrive forged from outside and are removed first (RFC 8601 §5). Nothing is
 * rejected: the filter reports, the receiving side (Sieve, a DMARC checker, the MUA) decides.
 */
import { isIP } from "node:net";
import { authenticationResults } from "../dkim/results.js";
import type { RelaxedKernel } from "../dkim/relaxed-kernel.js";
import { verifyMessage, type VerifyMessageOptions } from "../dkim/verify-message.js";
import type { Resolver } from "../dns/resolver.js";
import { parseHeaderFields } from "../message/header-fields.js";
import { describeMessageProblem } from "../message/message-reader.js";
import { authResultsResinfo } from "../spf/headers.js";
import { checkSpf } from "../spf/identities.js";
import type { Decision, Envelope } from "./smtp-server.js";

/** Options of {@link verifyHandler}. */
export interface VerifyHandlerOptions {
  resolver: Resolver;
  /** The authserv-id of the field (RFC 8601 §2.5: this host's name). */
  authservId: string;
  /** See `spfdk verify --legacy`. */
  legacy: boolean;
  /** Check SPF (MAIL FROM, or postmaster@HELO for the null sender) for the XFORWARD client. */
  spf: boolean;
  now: () => Date;
  /** Kept for the life of the filter: parsed keys and the relaxed kernel (docs/performance.md). */
  keyCache: NonNullable<VerifyMessageOptions["keyCache"]>;
  relaxedKernel: RelaxedKernel | null;
}

/** The client address of XFORWARD ADDR ("IPV6:" prefix removed), or null when absent or unknown. */
export function xforwardIp(addr: string | undefined): string | null {
  if (addr === undefined) return null;
  const ip = addr.replace(/^ipv6:/i, "");
  return isIP(ip) !== 0 ? ip : null;
}

/**
 * `message` without the `Authentication-Results:` fields whose authserv-id is `authservId`
 * (compared without case), and how many were removed.
 */
export function removeOwnAuthResults(
  message: Buffer,
  authservId: string,
): { message: Buffer; removed: number } {
  const sep = message.indexOf("\r\n\r\n");
  const block = message.subarray(0, sep < 0 ? message.length : sep + 2);
  const parsed = parseHeaderFields(block);
  if ("problem" in parsed) return { message, removed: 0 };
  const want = authservId.toLowerCase();
  const cut: [number, number][] = [];
  for (const f of parsed.fields) {
    if (f.key !== "authentication-results") continue;
    // The authserv-id is the value's first word (a token, or a quoted-string), before ";" or a version.
    const v = f.value.toString("latin1").replace(/\r\n/g, "").trim();
    const id = v.startsWith('"') ? v.slice(1, v.indexOf('"', 1)) : (/^[^\s;]*/.exec(v)?.[0] ?? "");
    if (id.toLowerCase() !== want) continue;
    const start = f.raw.byteOffset - block.byteOffset;
    cut.push([start, start + f.raw.length + 2]);
  }
  if (cut.length === 0) return { message, removed: 0 };
  const parts: Buffer[] = [];
  let at = 0;
  for (const [s, e] of cut) {
    parts.push(message.subarray(at, s));
    at = e;
  }
  parts.push(message.subarray(at));
  return { message: Buffer.concat(parts), removed: cut.length };
}

/** The filter's `handle` for verification. */
export function verifyHandler(
  o: VerifyHandlerOptions,
): (message: Buffer, env: Envelope) => Promise<Decision> {
  return async (message, env) => {
    const spfItems: string[] = [];
    const notes: string[] = [];
    const spf: { identity: string; domain: string; result: string }[] = [];
    const ip = o.spf ? xforwardIp(env.xforward.ADDR) : null;
    if (ip !== null) {
      // XFORWARD HELO is the real client's; our client's (Postfix's) EHLO name is not.
      const helo = env.xforward.HELO && env.xforward.HELO !== "[UNAVAILABLE]" ? env.xforward.HELO : "";
      const ids = await checkSpf({
        ip,
        sender: env.mailFrom,
        helo,
        resolver: o.resolver,
        receiver: o.authservId,
        now: o.now,
      });
      for (const id of ids) {
        spfItems.push(authResultsResinfo(id));
        notes.push(`spf=${id.outcome.result}`);
        spf.push({ identity: id.identity, domain: id.domain, result: id.outcome.result });
      }
    }
    const r = await verifyMessage([message], {
      resolver: o.resolver,
      legacy: o.legacy,
      now: o.now(),
      keyCache: o.keyCache,
      relaxedKernel: o.relaxedKernel,
    });
    if (r.kind === "problem") {
      const why = describeMessageProblem(r.problem);
      return {
        kind: "relay",
        message,
        note: `not verified (${why})`,
        details: { verified: false, reason: why },
      };
    }
    for (const d of r.dkim) notes.push(`dkim=${d.result} d=${d.domain}`);
    for (const d of r.domainKeys) notes.push(`domainkeys=${d.result} d=${d.domain}`);
    if (r.dkim.length === 0 && r.domainKeys.length === 0) notes.push("dkim=none");
    const ar = authenticationResults(o.authservId, r.dkim, r.domainKeys, spfItems);
    const own = removeOwnAuthResults(message, o.authservId);
    if (own.removed > 0) notes.push(`removed ${own.removed} forged Authentication-Results`);
    const brief = (o: { result: string; domain: string; reason: string }) => ({
      result: o.result,
      domain: o.domain,
      reason: o.reason,
    });
    return {
      kind: "relay",
      message: Buffer.concat([Buffer.from(`${ar}\r\n`, "latin1"), own.message]),
      note: notes.join(" "),
      details: {
        verified: true,
        spf,
        dkim: r.dkim.map((d) => ({ ...brief(d), selector: d.selector })),
        domainkeys: r.domainKeys.map(brief),
        removedForged: own.removed,
      },
    };
  };
}
