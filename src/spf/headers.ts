/** Header fields recording SPF results: Received-SPF (RFC 7208 §9.1) and Authentication-Results (RFC 8601). */

import type { IdentityOutcome } from "./identities.js";
import { assertNever, type SpfOutcome } from "./types.js";

/** What the headers need besides the outcome. */
export interface HeaderContext {
  /** The client IP as given. */
  ip: string;
  /** The HELO/EHLO name ("" when unknown). */
  helo: string;
  /** The receiving host (authserv-id of Authentication-Results, `receiver=` of Received-SPF). */
  receiver: string;
  /**
   * The MAIL FROM of the transaction when known ("" for the null sender). A HELO identity's
   * Received-SPF then shows it as `envelope-from` (RFC 7208 §9.1: the envelope sender mailbox)
   * instead of the postmaster@HELO stand-in that check_host() was given.
   */
  mailFrom?: string;
}

/** The `envelope-from` of an identity: the real MAIL FROM when there is one, else check_host()'s `<sender>`. */
function envelopeFrom(id: IdentityOutcome, ctx: HeaderContext): string {
  const real = ctx.mailFrom?.replace(/^<(.*)>$/, "$1") ?? "";
  return id.identity === "helo" && real !== "" ? real : id.sender;
}

/** A quoted-string (RFC 5322 §3.2.4) when `value` is not a plain dot-atom. */
function quoteIfNeeded(value: string): string {
  if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(value) && !value.startsWith(".") && !value.endsWith("."))
    return value;
  return `"${value.replace(/[\\"]/g, "\\$&").replace(/[\r\n]/g, " ")}"`;
}

/** Strips characters that would break a header comment. */
const commentSafe = (s: string): string =>
  s
    .replace(/[()\\\r\n]/g, " ")
    .replace(/ {2,}/g, " ")
    .trim();

/** The comment of Received-SPF for a result (wording after RFC 7208 §9.1's examples). */
export function resultComment(o: SpfOutcome, id: IdentityOutcome, ctx: HeaderContext): string {
  const who = `${ctx.receiver}: ${id.identity === "helo" ? "HELO" : "domain of"} ${id.identity === "helo" ? id.domain : id.sender}`;
  switch (o.result) {
    case "pass":
      return `${who} designates ${ctx.ip} as permitted sender`;
    case "fail":
      return `${who} does not designate ${ctx.ip} as permitted sender`;
    case "softfail":
      return `${who} does not designate ${ctx.ip} as permitted sender; softfail: transitioning`;
    case "neutral":
      return `${ctx.ip} is neither permitted nor denied by ${id.domain}`;
    case "none":
      return `${ctx.receiver}: ${id.domain} does not publish SPF: ${o.why}`;
    case "temperror":
      return `${ctx.receiver}: temporary error checking ${id.domain}: ${o.detail}`;
    case "permerror":
      return `${ctx.receiver}: permanent error in the SPF of ${id.domain}: ${o.detail}`;
    default:
      return assertNever(o);
  }
}

/**
 * A complete `Received-SPF:` field (unfolded) for one identity, with client-ip, envelope-from,
 * helo, receiver, identity, and mechanism or problem (RFC 7208 §9.1 key-value-list).
 */
export function receivedSpfHeader(id: IdentityOutcome, ctx: HeaderContext): string {
  const o = id.outcome;
  const pairs: string[] = [`client-ip=${ctx.ip}`, `envelope-from=${quoteIfNeeded(envelopeFrom(id, ctx))}`];
  if (ctx.helo) pairs.push(`helo=${quoteIfNeeded(ctx.helo)}`);
  pairs.push(
    `receiver=${quoteIfNeeded(ctx.receiver)}`,
    `identity=${id.identity === "helo" ? "helo" : "mailfrom"}`,
  );
  if ("matched" in o && o.matched) pairs.push(`mechanism=${quoteIfNeeded(o.matched.term)}`);
  if (o.result === "permerror" || o.result === "temperror") pairs.push(`problem=${quoteIfNeeded(o.detail)}`);
  return `Received-SPF: ${o.result} (${commentSafe(resultComment(o, id, ctx))}) ${pairs.join("; ")};`;
}

/** The RFC 8601 `spf=` resinfo for one identity: `spf=pass smtp.mailfrom=user@example.com`. */
export function authResultsResinfo(id: IdentityOutcome): string {
  // RFC 8601 §2.2: pvalue may be [local-part] "@" domain-name unquoted when the local-part is a dot-atom.
  const at = id.sender.lastIndexOf("@");
  const mailfrom =
    quoteIfNeeded(id.sender.slice(0, at)) === id.sender.slice(0, at) ? id.sender : quoteIfNeeded(id.sender);
  const prop = id.identity === "helo" ? `smtp.helo=${quoteIfNeeded(id.domain)}` : `smtp.mailfrom=${mailfrom}`;
  return `spf=${id.outcome.result} ${prop}`;
}

/** A complete `Authentication-Results:` field (RFC 8601 §2.2) with one resinfo per identity. */
export function authenticationResultsHeader(ids: readonly IdentityOutcome[], receiver: string): string {
  return `Authentication-Results: ${receiver}; ${ids.map(authResultsResinfo).join("; ")}`;
}
