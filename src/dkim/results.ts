/**
 * Per-signature DKIM outcomes, their aggregation into one verdict, and the Authentication-Results
 * header field (RFC 8601) that reports them.
 */

/** Result words of RFC 8601 §2.7.1 for dkim= (and domainkeys=). */
export type DkimResult = "pass" | "fail" | "neutral" | "policy" | "permerror" | "temperror";

/** The outcome of one DKIM-Signature. */
export interface DkimOutcome {
  result: DkimResult;
  /** d= (as written; empty when unreadable). */
  domain: string;
  /** s= */
  selector: string;
  /** a= */
  algorithm: string;
  /** i= decoded, when known. */
  identity?: string;
  /** First 8 base64 characters of b= (RFC 6008 header.b), when known. */
  bPrefix?: string;
  /** Why: the failing tag, the hash mismatch, the DNS error, or what passed. */
  reason: string;
  /** For fail: the body hash or the header signature did not match, or x= is in the past. */
  failure?: "body-hash" | "signature" | "expired";
  /** For permerror: the tag at fault (signature tag, or "key" / "key.h" … for the key record). */
  tag?: string;
  /** For a body-hash failure: the bh= computed here and the one in the signature. */
  bodyHash?: { computed: string; expected: string };
  /** The key record has t=y (testing, RFC 6376 §3.6.1). */
  testing?: boolean;
  /** Passed only under --legacy rules (rsa-sha1, RSA under 1024 bits, pre-RFC draft). */
  legacy?: string[];
  /** Key size in bits, when the key was read. */
  keyBits?: number;
  /** Non-fatal findings (bare PKCS#1 key, l= leaves text unsigned). */
  warnings: string[];
  /** Position of the signature field among the header fields (0 = top). */
  fieldIndex: number;
}

/** A DomainKeys outcome as the src/domainkeys contract reports it. */
export interface DomainKeysOutcomeLike {
  result: "pass" | "fail" | "neutral" | "permerror" | "temperror" | "policy";
  domain: string;
  selector: string;
  algorithm: string;
  reason: string;
  testing?: boolean;
  /** The sending identity checked (Sender:, else From:), when it was found. */
  identity?: { address: string; source: "sender" | "from" };
}

/**
 * The verdict over all signatures: "pass" when at least one passes (RFC 6376 §6.1: one good
 * signature is enough), else "temperror" when a DNS error left one undecided, else "permerror"
 * when every result is a permerror, else "fail" (which also covers "no signature at all": "none").
 */
export type Verdict = "pass" | "fail" | "temperror" | "permerror" | "none";

/** Aggregates outcomes into a verdict. With `requireDomain`, only signatures of that d= can pass. */
export function verdictOf(
  outcomes: readonly { result: string; domain: string }[],
  requireDomain?: string,
): Verdict {
  if (outcomes.length === 0) return "none";
  const want = requireDomain?.toLowerCase().replace(/\.$/, "");
  const passes = outcomes.some(
    (o) => o.result === "pass" && (want === undefined || o.domain.toLowerCase().replace(/\.$/, "") === want),
  );
  if (passes) return "pass";
  if (outcomes.some((o) => o.result === "temperror")) return "temperror";
  if (outcomes.every((o) => o.result === "permerror")) return "permerror";
  return "fail";
}

/**
 * DomainKeys outcomes as they count towards the verdict. DomainKeys signs with rsa-sha1 only, which
 * RFC 8301 §3.1 says verifiers must not treat as valid: outside legacy rules a DomainKeys `pass`
 * is still reported, but counts as `policy` (not acceptable to the verifier, RFC 8601 §2.7.1).
 */
export function domainKeysForVerdict<T extends { result: string }>(
  outcomes: readonly T[],
  legacy: boolean,
): T[] {
  return outcomes.map((o) => (!legacy && o.result === "pass" ? { ...o, result: "policy" } : o));
}

/**
 * A value for a method property, quoted when it is not a plain token (RFC 8601 §2.2). Octets that
 * are not printable US-ASCII become "?": a decoded i= such as "=0D=0AX-Evil:=20a@d" must not put a
 * line break (a new header field) into the Authentication-Results field.
 */
function pvalue(v: string): string {
  const printable = v.replace(/[^\x20-\x7e]/g, "?");
  return /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~@]+$/.test(printable)
    ? printable
    : `"${printable.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The reason as an RFC 8601 reason= value (one line, printable US-ASCII). */
function reasonText(r: string): string {
  return pvalue(r.replace(/[\r\n\t]+/g, " ").replace(/§/g, "section "));
}

/**
 * The `Authentication-Results:` field (without CRLF, one result per line, folded) for DKIM and
 * DomainKeys outcomes. No signature of either kind gives `dkim=none`. DomainKeys results use the
 * `domainkeys` method with the properties the IANA Email Authentication Methods registry (RFC 8601)
 * lists for it:
 * header.d and header.from or header.sender (the identity the signature was checked against).
 */
export function authenticationResults(
  authservId: string,
  dkim: readonly DkimOutcome[],
  domainKeys: readonly DomainKeysOutcomeLike[] = [],
  before: readonly string[] = [],
): string {
  // `before`: resinfo of other methods, written first (the filter's `spf=...`).
  const items: string[] = [...before];
  for (const o of dkim) {
    const props = [`dkim=${o.result}`];
    if (o.result !== "pass") props.push(`reason=${reasonText(o.reason)}`);
    if (o.domain) props.push(`header.d=${pvalue(o.domain)}`);
    if (o.identity) props.push(`header.i=${pvalue(o.identity)}`);
    if (o.selector) props.push(`header.s=${pvalue(o.selector)}`);
    if (o.algorithm) props.push(`header.a=${pvalue(o.algorithm)}`);
    if (o.bPrefix) props.push(`header.b=${pvalue(o.bPrefix)}`);
    items.push(props.join(" "));
  }
  for (const o of domainKeys) {
    const props = [`domainkeys=${o.result}`];
    if (o.result !== "pass") props.push(`reason=${reasonText(o.reason)}`);
    if (o.domain) props.push(`header.d=${pvalue(o.domain)}`);
    if (o.identity) props.push(`header.${o.identity.source}=${pvalue(o.identity.address)}`);
    items.push(props.join(" "));
  }
  if (items.length === before.length) items.push("dkim=none");
  return `Authentication-Results: ${authservId};\r\n\t${items.join(";\r\n\t")}`;
}
