/**
 * DomainKeys verification (RFC 4870, the verification process, as Mail::DKIM implements it): one
 * DomainKey-Signature, the fields below it, the body, and the key record from DNS.
 */
import { createVerify } from "node:crypto";
import type { DnsAnswer, Resolver } from "../dns/resolver.js";
import type { HeaderField } from "../message/header-fields.js";
import { canonicalHeader, createDkBodyCanonicalizer } from "./canonicalize.js";
import { selectSignedFields, sendingIdentity, type DkIdentity } from "./header-selection.js";
import { granularityMatches, parseDkKeyRecord, type DkKey } from "./key-record.js";
import { parseDkSignature, type DkSignatureTags } from "./signature-header.js";

/** RSA keys shorter than this are not acceptable outside legacy mode (RFC 8301 §3.2). */
export const MIN_RSA_BITS = 1024;

/**
 * The result of one DomainKey-Signature. `pass`: the signature verifies. `fail`: it does not (a
 * signed field or the body changed, or the wrong key). `permerror`: the signature or key record is
 * unusable (bad tag, no or revoked key, identity not in d=, g= mismatch). `temperror`: the key
 * lookup failed temporarily. `policy`: the signature verifies but, outside legacy mode, the key is
 * under 1024 bits. `neutral` is reserved and not produced today.
 */
export interface DomainKeysOutcome {
  result: "pass" | "fail" | "neutral" | "permerror" | "temperror" | "policy";
  /** d= (lower-cased); empty when the tags could not be read. */
  domain: string;
  /** s=; empty when the tags could not be read. */
  selector: string;
  algorithm: "rsa-sha1";
  /** Why: the failing tag, the DNS problem, the key size. */
  reason: string;
  /** The key record has t=y (the domain is testing DomainKeys, RFC 4870 §3.2). */
  testing?: boolean;
  /** The sending identity the signature was checked against (for header.from / header.sender). */
  identity?: DkIdentity;
}

/** Options of the verifier. */
export interface DomainKeysVerifyOptions {
  /** Where the key record comes from; nothing falls back to live DNS. */
  resolver: Resolver;
  /** Accept keys under 1024 bits (as DomainKeys senders used) instead of reporting `policy`. */
  legacy: boolean;
}

/** A verifier fed with the body in chunks. */
export interface DomainKeysVerifier {
  /** Adds the next piece of the body (CRLF line ends; split anywhere). */
  update(bodyChunk: Buffer): void;
  /** Looks up the key and gives the outcome. Call once, after the whole body. Never rejects. */
  finish(): Promise<DomainKeysOutcome>;
}

/**
 * Starts verifying the DomainKey-Signature `headerFields[signatureIndex]`. Only the fields below it
 * are covered (RFC 4870 §3.3). The sending identity (Sender:, else From:, among the signed fields)
 * must be in d= or a subdomain of it, and its local part must satisfy the key's g=.
 * rsa-sha1 is reported as is in both modes: DomainKeys is a separate legacy protocol, reported as
 * `domainkeys=`, and never feeds DKIM or DMARC results.
 *
 * Throws RangeError when `signatureIndex` is not a DomainKey-Signature field (a programming error).
 */
export function createDomainKeysVerifier(
  headerFields: HeaderField[],
  signatureIndex: number,
  opts: DomainKeysVerifyOptions,
): DomainKeysVerifier {
  const field = headerFields[signatureIndex];
  if (!field || field.key !== "domainkey-signature") {
    throw new RangeError(`header field ${signatureIndex} is not a DomainKey-Signature`);
  }
  const parsed = parseDkSignature(field);
  if (!("tags" in parsed)) {
    const outcome = base("permerror", parsed.domain, parsed.selector, parsed.problem);
    return { update: () => undefined, finish: () => Promise.resolve(outcome) };
  }
  const tags = parsed.tags;
  const signed = selectSignedFields(headerFields.slice(signatureIndex + 1), tags.headers);
  const identity = sendingIdentity(signed);
  const verifier = createVerify("RSA-SHA1");
  for (const f of signed) verifier.update(canonicalHeader(tags.method, f));
  const body = createDkBodyCanonicalizer(tags.method, (bytes) => verifier.update(bytes));
  let finished = false;
  return {
    update(bodyChunk: Buffer): void {
      if (!finished) body.push(bodyChunk);
    },
    async finish(): Promise<DomainKeysOutcome> {
      finished = true;
      body.end();
      const checked = await checkIdentityAndKey(tags, identity, opts.resolver);
      if ("outcome" in checked) return checked.outcome;
      const { key } = checked;
      const extra = { identity: identity!, ...(key.testing ? { testing: true } : {}) };
      let ok = false;
      try {
        ok = verifier.verify(key.publicKey, tags.signature);
      } catch {
        ok = false; // malformed signature data: it does not verify
      }
      if (!ok) {
        return {
          ...base(
            "fail",
            tags.domain,
            tags.selector,
            "signature does not verify (a signed field or the body changed)",
          ),
          ...extra,
        };
      }
      if (key.bits < MIN_RSA_BITS && !opts.legacy) {
        const why = `signature verifies, but the key has ${key.bits} bits; RFC 8301 §3.2 needs ${MIN_RSA_BITS} or more (accepted in legacy mode)`;
        return { ...base("policy", tags.domain, tags.selector, why), ...extra };
      }
      return {
        ...base("pass", tags.domain, tags.selector, `signature verifies (${key.bits}-bit key)`),
        ...extra,
      };
    },
  };
}

function base(
  result: DomainKeysOutcome["result"],
  domain: string,
  selector: string,
  reason: string,
): DomainKeysOutcome {
  return { result, domain, selector, algorithm: "rsa-sha1", reason };
}

/** The identity checks and the key lookup: the usable key, or the outcome that ends verification. */
async function checkIdentityAndKey(
  tags: DkSignatureTags,
  identity: DkIdentity | null,
  resolver: Resolver,
): Promise<{ key: DkKey } | { outcome: DomainKeysOutcome }> {
  const stop = (result: DomainKeysOutcome["result"], reason: string, testing?: boolean) => ({
    outcome: {
      ...base(result, tags.domain, tags.selector, reason),
      ...(testing ? { testing } : {}),
      ...(identity ? { identity } : {}),
    },
  });
  if (!identity)
    return stop(
      "permerror",
      "no signed Sender: or From: field with an address (the sending address, RFC 4870)",
    );
  const idDomain = identity.address.slice(identity.address.lastIndexOf("@") + 1).toLowerCase();
  if (idDomain !== tags.domain && !idDomain.endsWith(`.${tags.domain}`)) {
    return stop(
      "permerror",
      `sending identity ${identity.address} (${identity.source}) is not in d=${tags.domain}`,
    );
  }
  const name = `${tags.selector}._domainkey.${tags.domain}`;
  // A resolver that rejects (instead of returning an error answer) is a temporary DNS failure.
  const answer: DnsAnswer<string> = await resolver
    .txt(name)
    .catch((err: unknown) => ({ kind: "error", temporary: true, detail: String(err) }) as const);
  switch (answer.kind) {
    case "nxdomain":
    case "nodata":
      return stop("permerror", `no key record at ${name} (${answer.kind})`);
    case "error":
      return stop(
        answer.temporary ? "temperror" : "permerror",
        `key lookup of ${name} failed: ${answer.detail}`,
      );
    case "ok":
      break;
    default:
      return assertNever(answer);
  }
  // Several TXT records at a key name are ambiguous; like Mail::DKIM we use the first one.
  const record = answer.records[0];
  if (record === undefined) return stop("permerror", `no key record at ${name}`);
  const parsed = parseDkKeyRecord(record);
  if ("problem" in parsed) {
    const p = parsed.problem;
    return stop(
      "permerror",
      p.kind === "revoked" ? `key at ${name} is revoked (empty p=)` : `key at ${name}: ${p.detail}`,
    );
  }
  const key = parsed.key;
  if (!granularityMatches(key.granularity, identity.address)) {
    return stop(
      "permerror",
      `identity ${identity.address} does not match the key's g=${key.granularity}`,
      key.testing,
    );
  }
  if (key.noSubdomains && idDomain !== tags.domain) {
    return stop(
      "permerror",
      `key has t=s but identity ${identity.address} is in a subdomain of ${tags.domain}`,
      key.testing,
    );
  }
  return { key };
}

function assertNever(x: never): never {
  throw new Error(`unexpected DNS answer ${JSON.stringify(x)}`);
}
