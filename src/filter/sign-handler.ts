/**
 * The signing filter's decision (the dkfilter.out role): a message whose From: address is in one
 * of the signing domains (or a subdomain of one) gets that domain's DKIM-Signature fields (and a
 * DomainKey-Signature when asked) on top; any other message goes on unsigned, with the reason in
 * the log. A message that cannot be signed is never held back: mail keeps flowing, and the log
 * says why.
 */
import type { DomainKeysSignRequest, DkimSignRequest } from "../dkim/sign-message.js";
import { signMessage } from "../dkim/sign-message.js";
import { firstAddress } from "../domainkeys/header-selection.js";
import { parseHeaderFields, unfoldedValue } from "../message/header-fields.js";
import { describeMessageProblem } from "../message/message-reader.js";
import type { Decision } from "./smtp-server.js";

/** The signatures of one signing domain. */
export interface SigningDomain {
  /** d=; From: must be this domain or a subdomain of it. */
  domain: string;
  /** The DKIM signatures to make (checked keys; t= and x= are set per message). */
  requests: readonly DkimSignRequest[];
  /** A DomainKeys signature too (RFC 4870, legacy). */
  domainKeys?: DomainKeysSignRequest;
}

/** Options of {@link signHandler}. */
export interface SignHandlerOptions {
  /** One or more signing domains; the most specific one that covers From: signs. */
  domains: readonly SigningDomain[];
  /** x= this many seconds after t= (none when absent). */
  expireSeconds?: number;
  now: () => Date;
}

const bare = (d: string) => d.toLowerCase().replace(/\.$/, "");

/** The domain of the first From: address (lower case), or null when there is none. */
export function authorDomain(message: Buffer): string | null {
  const sep = message.indexOf("\r\n\r\n");
  const parsed = parseHeaderFields(message.subarray(0, sep < 0 ? message.length : sep + 2));
  if ("problem" in parsed) return null;
  const from = parsed.fields.find((f) => f.key === "from");
  const address = from ? firstAddress(unfoldedValue(from)) : null;
  const at = address?.lastIndexOf("@") ?? -1;
  if (address == null || at < 0) return null;
  return bare(address.slice(at + 1).trim());
}

/** The signing domain for `author`: the longest one that is `author` or a parent of it. */
export function signingDomainFor(author: string, domains: readonly SigningDomain[]): SigningDomain | null {
  let best: SigningDomain | null = null;
  for (const d of domains) {
    const name = bare(d.domain);
    if (author !== name && !author.endsWith(`.${name}`)) continue;
    if (best === null || name.length > bare(best.domain).length) best = d;
  }
  return best;
}

/** The filter's `handle` for signing. */
export function signHandler(o: SignHandlerOptions): (message: Buffer) => Promise<Decision> {
  const names = o.domains.map((d) => bare(d.domain)).join(", ");
  return async (message) => {
    const unsigned = (reason: string): Decision => ({
      kind: "relay",
      message,
      note: `not signed: ${reason}`,
      details: { signed: false, reason },
    });
    const author = authorDomain(message);
    if (author === null) return unsigned("no From: address");
    const signer = signingDomainFor(author, o.domains);
    if (signer === null) {
      return unsigned(`From: domain ${author} is not ${o.domains.length > 1 ? `one of ${names}` : names}`);
    }
    const t = Math.floor(o.now().getTime() / 1000);
    const requests = signer.requests.map((r) => ({
      ...r,
      timestamp: t,
      ...(o.expireSeconds !== undefined ? { expiration: t + o.expireSeconds } : {}),
    }));
    const r = await signMessage([message], requests, signer.domainKeys);
    if (r.kind === "problem") {
      return unsigned(r.problem.kind === "no-from" ? "no From: field" : describeMessageProblem(r.problem));
    }
    const head = Buffer.from(r.fields.map((f) => `${f}\r\n`).join(""), "latin1");
    const domain = bare(signer.domain);
    const selectors = signer.requests.map((q) => q.selector);
    return {
      kind: "relay",
      message: Buffer.concat([head, message]),
      note: `signed d=${domain} s=${selectors.join(",")}${signer.domainKeys ? " +domainkeys" : ""}`,
      details: { signed: true, domain, selectors, domainkeys: signer.domainKeys !== undefined },
    };
  };
}
