/**
 * The key side of DKIM verification: the key record's name (RFC 6376 §3.6.2.1), the choice of
 * the usable record from the DNS answer (with the shared parsed-key cache), and the key-record
 * checks against a signature (RFC 6376 §3.6.1, §6.1.2; RFC 8301).
 */
import type { DnsAnswer } from "../dns/resolver.js";
import { MIN_RSA_BITS } from "./keygen.js";
import { parseKeyRecord, type KeyRecord } from "./key-record-parse.js";
import type { DkimSignature } from "./signature.js";
import type { DkimVerifyOptions } from "./verify.js";

/** The name of a key record (RFC 6376 §3.6.2.1). */
export function keyRecordQueryName(selector: string, domain: string): string {
  const d = domain.charCodeAt(domain.length - 1) === 0x2e ? domain.slice(0, -1) : domain;
  return `${selector}._domainkey.${d}`;
}

/** The usable key record from the DNS answer, or the outcome the lookup gives. */
export function chooseKey(
  answer: DnsAnswer<string>,
  sig: DkimSignature,
  cache: DkimVerifyOptions["keyCache"],
): { record: KeyRecord } | { outcome: "temperror" | "permerror"; reason: string } {
  if (answer.kind === "ok") {
    // The usual case first, with no name built: the record is in the cache (keyCache).
    const r = answer.records.length > 0 ? cache?.get(answer.records[0]!) : undefined;
    if (r !== undefined && "record" in r) return r;
  }
  const name = keyRecordQueryName(sig.selector, sig.domain);
  switch (answer.kind) {
    case "nxdomain":
    case "nodata":
      // RFC 6376 §6.1.2 step 3: no key record is PERMFAIL (no key for signature).
      return {
        outcome: "permerror",
        reason: `no key record at ${name} (${answer.kind === "nxdomain" ? "NXDOMAIN" : "no TXT"})`,
      };
    case "error":
      return {
        outcome: answer.temporary ? "temperror" : "permerror",
        reason: `DNS error looking up ${name}: ${answer.detail}`,
      };
    case "ok": {
      // §6.1.2 step 5: with several records, use the first that parses (our choice).
      let first: string | null = null;
      for (const txt of answer.records) {
        let r = cache?.get(txt);
        if (!r) {
          r = parseKeyRecord(txt);
          cache?.set(txt, r);
        }
        if ("record" in r) return r;
        first ??= `key record ${name}: ${r.problem.reason}`;
      }
      return { outcome: "permerror", reason: first ?? `no key record at ${name}` };
    }
    default:
      return answer satisfies never;
  }
}

/** Key-record checks against the signature (RFC 6376 §3.6.1, §6.1.2; RFC 4871 g= under legacy). */
export function checkKeyForSignature(
  key: KeyRecord,
  sig: DkimSignature,
  legacy: boolean,
): { tag: string; reason: string } | null {
  if (key.revoked) return { tag: "key.p", reason: "key revoked (empty p= in the key record)" };
  if (key.keyType !== sig.keyType) {
    return { tag: "key.k", reason: `key type k=${key.keyType} does not match a=${sig.algorithm}` };
  }
  if (key.hashes !== null && !key.hashes.includes(sig.hash)) {
    return { tag: "key.h", reason: `key record h=${key.hashes.join(":")} does not allow ${sig.hash}` };
  }
  const at = sig.identity.lastIndexOf("@");
  if (key.strictIdentity && sig.identity.slice(at + 1).toLowerCase() !== sig.domain.toLowerCase()) {
    return {
      tag: "key.t",
      reason: `key has t=s but i= domain ${sig.identity.slice(at + 1)} is not exactly d=${sig.domain}`,
    };
  }
  if (legacy && key.granularity !== null) {
    // RFC 4871 §3.6.1 g= (dropped by RFC 6376): a pattern for i='s local part, "*" a wildcard.
    const local = sig.identity.slice(0, at);
    if (key.granularity === "")
      return { tag: "key.g", reason: "key record has an empty g= (matches no identity)" };
    const re = new RegExp(
      `^${key.granularity
        .split("*")
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
    if (!re.test(local))
      return { tag: "key.g", reason: `i= local part "${local}" does not match key g=${key.granularity}` };
  }
  return null;
}

/** RFC 8301 (and pre-RFC) features that pass only with --legacy. */
export function legacyReasons(sig: DkimSignature, key: KeyRecord): string[] {
  const r: string[] = [];
  if (sig.algorithm === "rsa-sha1") r.push("rsa-sha1 (RFC 8301 §3.1)");
  if (key.keyType === "rsa" && key.bits < MIN_RSA_BITS)
    r.push(`${key.bits}-bit RSA key (RFC 8301 §3.2 needs >= ${MIN_RSA_BITS})`);
  if (sig.version !== "1")
    r.push(sig.version === null ? "pre-RFC draft signature without v=" : `pre-RFC draft v=${sig.version}`);
  return r;
}
