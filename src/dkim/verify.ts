/**
 * DKIM verification (RFC 6376 §6) of every DKIM-Signature in a message, with the body streamed
 * through shared body hashers. RFC 8301 applies unless `legacy` is set; RFC 8463 adds Ed25519.
 */
import { createHash, verify as cryptoVerify } from "node:crypto";
import type { DnsAnswer, Resolver } from "../dns/resolver.js";
import type { ByteScanner } from "../message/byte-scan.js";
import type { HeaderField } from "../message/header-fields.js";
import { createBodyHasher, type BodyHasher, type BodyHashResult } from "./body-hash.js";
import { relaxedHeaderHashInput } from "./canonicalize.js";
import { MIN_RSA_BITS } from "./keygen.js";
import { parseKeyRecord, type KeyRecord } from "./key-record-parse.js";
import type { DkimOutcome } from "./results.js";
import { parseDkimSignatureFast } from "./signature-fast.js";
import { headerHashInput, parseDkimSignature, type DkimSignature } from "./signature.js";

/** Options of {@link createDkimVerifier}. */
export interface DkimVerifyOptions {
  /** Required: where key records come from (no default, no live DNS fallback). */
  resolver: Resolver;
  /** Accept what RFC 8301 forbids and pre-RFC drafts (reported in `legacy` of the outcome). */
  legacy: boolean;
  /** The clock, for x= (expiry). */
  now: Date;
  /** Step-by-step detail (never parsed). */
  trace?: (line: string) => void;
  /**
   * Parsed key records by TXT text, shared across messages by a long-running verifier (parsing
   * the public key costs more than the RSA verification). The caller owns its size and lifetime;
   * DNS is still queried for every message.
   */
  keyCache?: Map<string, ReturnType<typeof parseKeyRecord>>;
}

/** An incremental verifier: push the CRLF-normalised body, then `finish`. */
export interface DkimVerifier {
  /** `scanned`: see BodyCanonicalizer.push. */
  update(bodyChunk: Buffer, scanned?: ByteScanner): void;
  /** One outcome per DKIM-Signature, top to bottom; an unsigned message gives []. */
  finish(): Promise<DkimOutcome[]>;
}

/** The name of a key record (RFC 6376 §3.6.2.1). */
export function keyRecordQueryName(selector: string, domain: string): string {
  const d = domain.charCodeAt(domain.length - 1) === 0x2e ? domain.slice(0, -1) : domain;
  return `${selector}._domainkey.${d}`;
}

type Pending = { index: number } & (
  | { kind: "problem"; outcome: DkimOutcome }
  | { kind: "ok"; sig: DkimSignature; hasherKey: string; key: Promise<DnsAnswer<string>> }
);

/**
 * Creates a verifier for the DKIM-Signature fields among `fields`. Key lookups start at once (in
 * parallel); body hashers are shared between signatures with the same c=, hash and l=. Never
 * throws for message, signature, key or DNS problems: each becomes that signature's outcome.
 */
export function createDkimVerifier(fields: readonly HeaderField[], o: DkimVerifyOptions): DkimVerifier {
  const hashers = new Map<string, BodyHasher>();
  const pending: Pending[] = [];
  fields.forEach((field, index) => {
    if (field.key !== "dkim-signature") return;
    // The quick parser takes the usual field; the general one gives everything else and all problems.
    const parsed = parseDkimSignatureFast(field) ?? parseDkimSignature(field, { legacy: o.legacy });
    if ("problem" in parsed) {
      const p = parsed.problem;
      pending.push({
        index,
        kind: "problem",
        outcome: { ...base(p, index), result: "permerror", tag: p.tag, reason: p.reason },
      });
      return;
    }
    const sig = parsed.signature;
    const hasherKey = `${sig.bodyCanon}/${sig.hash}/${sig.length ?? ""}`;
    if (!hashers.has(hasherKey))
      hashers.set(hasherKey, createBodyHasher(sig.bodyCanon, sig.hash, sig.length ?? undefined));
    const name = keyRecordQueryName(sig.selector, sig.domain);
    o.trace?.(`DKIM: looking up ${name} TXT`);
    const key = o.resolver
      .txt(name)
      .catch((err: unknown): DnsAnswer<string> => ({ kind: "error", temporary: true, detail: String(err) }));
    pending.push({ index, kind: "ok", sig, hasherKey, key });
  });
  return {
    update(chunk, scanned) {
      for (const h of hashers.values()) h.update(chunk, scanned);
    },
    finish() {
      const bodies = new Map<string, BodyHashResult>();
      for (const [k, h] of hashers) bodies.set(k, h.finish());
      // No async/await layers: the key answers are settled with one then (the usual single
      // signature) or Promise.all, and the outcomes are computed synchronously after that.
      const outcomes = (answers: readonly DnsAnswer<string>[]): DkimOutcome[] => {
        const out: DkimOutcome[] = [];
        let k = 0;
        for (const p of pending) {
          if (p.kind === "problem") out.push(p.outcome);
          else out.push(evaluate(p.sig, p.index, answers[k++]!, bodies.get(p.hasherKey)!, fields, o));
        }
        return out;
      };
      const keys: Promise<DnsAnswer<string>>[] = [];
      for (const p of pending) if (p.kind === "ok") keys.push(p.key);
      if (keys.length === 0) return Promise.resolve(outcomes([]));
      if (keys.length === 1) return keys[0]!.then((a) => outcomes([a]));
      return Promise.all(keys).then(outcomes);
    },
  };
}

function base(s: { domain: string; selector: string; algorithm: string }, index: number) {
  return {
    domain: s.domain,
    selector: s.selector,
    algorithm: s.algorithm,
    warnings: [] as string[],
    fieldIndex: index,
  };
}

/** Looks the key up and checks it, the body hash, then the signature (RFC 6376 §6.1.2, §6.1.3). */
function evaluate(
  sig: DkimSignature,
  index: number,
  answer: DnsAnswer<string>,
  body: BodyHashResult,
  fields: readonly HeaderField[],
  o: DkimVerifyOptions,
): DkimOutcome {
  // Object literals rather than spreads on the way to a pass: spreads cost more than the hashing.
  // Key order (what --json prints) is that of base(), then identity, bPrefix, keyBits, testing.
  const head = {
    domain: sig.domain,
    selector: sig.selector,
    algorithm: sig.algorithm,
    warnings: [] as string[],
    fieldIndex: index,
    identity: sig.identity,
    bPrefix: sig.signature.subarray(0, 6).toString("base64"), // 6 octets: the first 8 characters
  };
  const nowSec = Math.floor(o.now.getTime() / 1000);
  if (sig.expiration !== null && sig.expiration < nowSec) {
    // RFC 6376 §3.5/§6.1.1: an expired signature is not valid (PERMFAIL, "signature expired").
    // The signature was readable and acceptable, so RFC 8601 §2.7.1 calls this "fail", not
    // "permerror" (which is for unrecoverable errors such as a missing tag); dkimpy agrees,
    // Mail::DKIM says "invalid". We report fail with the reason.
    const when = new Date(sig.expiration * 1000).toISOString();
    return {
      ...head,
      result: "fail",
      failure: "expired",
      reason: `signature expired at ${when} (x=${sig.expiration})`,
    };
  }
  const got = chooseKey(answer, sig, o.keyCache);
  if ("outcome" in got) {
    return got.outcome === "temperror"
      ? { ...head, result: "temperror", reason: got.reason }
      : { ...head, result: "permerror", tag: "key", reason: got.reason };
  }
  const key = got.record;
  const withKey: typeof head & { keyBits: number; testing?: boolean } = {
    domain: head.domain,
    selector: head.selector,
    algorithm: head.algorithm,
    warnings: key.warnings.slice(),
    fieldIndex: head.fieldIndex,
    identity: head.identity,
    bPrefix: head.bPrefix,
    keyBits: key.bits,
  };
  if (key.testing) withKey.testing = true;
  const problem = checkKeyForSignature(key, sig, o.legacy) ?? checkBody(sig, body, withKey.warnings);
  if (problem) return { ...withKey, result: "permerror", tag: problem.tag, reason: problem.reason };
  if (body.bodyHash !== sig.bodyHash) {
    return {
      ...withKey,
      result: "fail",
      failure: "body-hash",
      reason: "body hash did not verify (the body changed after signing)",
      bodyHash: { computed: body.bodyHash, expected: sig.bodyHash },
    };
  }
  const data =
    sig.headerCanon === "relaxed"
      ? relaxedHeaderHashInput(fields, sig.signedHeaders, sig.fieldWithoutB)
      : headerHashInput(fields, sig.signedHeaders, sig.headerCanon, sig.fieldWithoutB);
  if (!signatureMatches(sig, key, data)) {
    const reason = "signature did not verify (headers changed or wrong key)";
    return { ...withKey, result: "fail", failure: "signature", reason };
  }
  const legacy = legacyReasons(sig, key);
  if (legacy.length === 0)
    return Object.assign(withKey, { result: "pass" as const, reason: "signature verified" });
  if (!o.legacy) {
    const reason = `${legacy.join("; ")}: not valid under RFC 8301 (the signature itself verifies; --legacy accepts it)`;
    return { ...withKey, result: "permerror", tag: sig.algorithm === "rsa-sha1" ? "a" : "key", reason };
  }
  return {
    ...withKey,
    result: "pass",
    reason: `verified under --legacy rules (${legacy.join("; ")})`,
    legacy,
  };
}

/** l= against the canonical body (RFC 6376 §3.5 "l="): longer is an error, shorter a warning. */
function checkBody(
  sig: DkimSignature,
  body: BodyHashResult,
  warnings: string[],
): { tag: string; reason: string } | null {
  if (sig.length === null) return null;
  if (sig.length > body.canonicalLength) {
    return {
      tag: "l",
      reason: `l=${sig.length} is longer than the canonical body (${body.canonicalLength} octets)`,
    };
  }
  if (sig.length < body.canonicalLength) {
    warnings.push(`l=${sig.length}: ${body.canonicalLength - sig.length} octets of the body are not signed`);
  }
  return null;
}

/** The usable key record from the DNS answer, or the outcome the lookup gives. */
function chooseKey(
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
function checkKeyForSignature(
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
function legacyReasons(sig: DkimSignature, key: KeyRecord): string[] {
  const r: string[] = [];
  if (sig.algorithm === "rsa-sha1") r.push("rsa-sha1 (RFC 8301 §3.1)");
  if (key.keyType === "rsa" && key.bits < MIN_RSA_BITS)
    r.push(`${key.bits}-bit RSA key (RFC 8301 §3.2 needs >= ${MIN_RSA_BITS})`);
  if (sig.version !== "1")
    r.push(sig.version === null ? "pre-RFC draft signature without v=" : `pre-RFC draft v=${sig.version}`);
  return r;
}

/** RSA PKCS#1 v1.5 (RFC 6376 §3.3.1) or PureEdDSA over SHA-256 of the data (RFC 8463 §3). */
function signatureMatches(sig: DkimSignature, key: KeyRecord, data: Buffer): boolean {
  try {
    if (sig.keyType === "ed25519") {
      return cryptoVerify(null, createHash("sha256").update(data).digest(), key.key!, sig.signature);
    }
    return cryptoVerify(sig.hash === "sha1" ? "sha1" : "sha256", data, key.key!, sig.signature);
  } catch {
    return false; // e.g. a signature longer than the modulus
  }
}
