/**
 * DKIM verification (RFC 6376 §6) of every DKIM-Signature in a message, with the body streamed
 * through shared body hashers. RFC 8301 applies unless `legacy` is set; RFC 8463 adds Ed25519.
 */
import {
  constants,
  createHash,
  hash as oneShotHash,
  publicDecrypt,
  verify as cryptoVerify,
} from "node:crypto";
import type { DnsAnswer, Resolver } from "../dns/resolver.js";
import type { ByteScanner } from "../message/byte-scan.js";
import type { HeaderField } from "../message/header-fields.js";
import { createBodyHasher, type BodyHasher, type BodyHashResult } from "./body-hash.js";
import { pickSignedFields, relaxedHeaderHashInput } from "./canonicalize.js";
import type { KeyRecord, parseKeyRecord } from "./key-record-parse.js";
import type { RelaxedKernel } from "./relaxed-kernel.js";
import type { DkimOutcome } from "./results.js";
import { parseDkimSignatureFast } from "./signature-fast.js";
import { headerHashInput, parseDkimSignature, type DkimSignature } from "./signature.js";
import { checkKeyForSignature, chooseKey, keyRecordQueryName, legacyReasons } from "./verify-key.js";

export { keyRecordQueryName } from "./verify-key.js";

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
  /**
   * A relaxed body kernel (createRelaxedKernel) kept by a long-running verifier: a relaxed body
   * that arrives in one piece is canonicalized by it in one WebAssembly call. Same results.
   */
  relaxedKernel?: RelaxedKernel | null;
}

/** An incremental verifier: push the CRLF-normalised body, then `finish`. */
export interface DkimVerifier {
  /** `scanned`: see BodyCanonicalizer.push; `last`: no body bytes follow (see BodyHasher.update). */
  update(bodyChunk: Buffer, scanned?: ByteScanner, last?: boolean): void;
  /** One outcome per DKIM-Signature, top to bottom; an unsigned message gives []. */
  finish(): Promise<DkimOutcome[]>;
  /** As `finish().then(then)`, one promise step shorter (verifyMessage's result on the way out). */
  finishThen<T>(then: (outcomes: DkimOutcome[]) => T | PromiseLike<T>): Promise<T>;
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
      hashers.set(
        hasherKey,
        createBodyHasher(sig.bodyCanon, sig.hash, sig.length ?? undefined, o.relaxedKernel),
      );
    const name = keyRecordQueryName(sig.selector, sig.domain);
    o.trace?.(`DKIM: looking up ${name} TXT`);
    const key = o.resolver
      .txt(name)
      .catch((err: unknown): DnsAnswer<string> => ({ kind: "error", temporary: true, detail: String(err) }));
    pending.push({ index, kind: "ok", sig, hasherKey, key });
  });
  return {
    update(chunk, scanned, last) {
      for (const h of hashers.values()) h.update(chunk, scanned, last);
    },
    finish() {
      return this.finishThen((d) => d);
    },
    finishThen(then) {
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
      if (keys.length === 0) return Promise.resolve(outcomes([])).then(then);
      if (keys.length === 1) return keys[0]!.then((a) => then(outcomes([a])));
      return Promise.all(keys).then((a) => then(outcomes(a)));
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
  // With the kernel, data is a view of its memory: hashed in signatureMatches before anything else.
  const kernel = o.relaxedKernel;
  const data =
    sig.headerCanon !== "relaxed"
      ? headerHashInput(fields, sig.signedHeaders, sig.headerCanon, sig.fieldWithoutB)
      : kernel
        ? kernel.relaxedHeaders(pickSignedFields(fields, sig.signedHeaders), sig.fieldWithoutB)
        : relaxedHeaderHashInput(fields, sig.signedHeaders, sig.fieldWithoutB);
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

/** RSA PKCS#1 v1.5 (RFC 6376 §3.3.1) or PureEdDSA over SHA-256 of the data (RFC 8463 §3). */
function signatureMatches(sig: DkimSignature, key: KeyRecord, data: Buffer): boolean {
  try {
    if (sig.keyType === "ed25519") {
      return cryptoVerify(null, createHash("sha256").update(data).digest(), key.key!, sig.signature);
    }
    if (sig.hash === "sha256") return rsaSha256Matches(key, data, sig.signature);
    return cryptoVerify("sha1", data, key.key!, sig.signature);
  } catch {
    return false; // e.g. a signature longer than the modulus
  }
}

/** DigestInfo of SHA-256 before the digest (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = [
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
  0x20,
] as const;

/**
 * RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 §8.2.2), as OpenSSL's own RSA_verify does
 * it: the signature must be exactly as long as the modulus; the RSA public operation with the
 * type-1 padding check (00 01, at least eight FF, 00) runs in OpenSSL (`publicDecrypt`); what is
 * left must be exactly the SHA-256 DigestInfo followed by the digest of `data`. The same answer
 * as `crypto.verify("sha256", …)` (a property test compares them), about 1.5 µs cheaper per call,
 * because crypto.verify sets up a digest context per call on top of the same RSA operation.
 */
export function rsaSha256Matches(key: KeyRecord, data: Buffer, signature: Buffer): boolean {
  if (signature.length !== (key.bits + 7) >>> 3) return false;
  let t: Buffer;
  try {
    t = publicDecrypt({ key: key.key!, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false; // representative >= modulus, or not type-1 padding
  }
  if (t.length !== SHA256_DIGEST_INFO.length + 32) return false;
  for (let i = 0; i < SHA256_DIGEST_INFO.length; i++) if (t[i] !== SHA256_DIGEST_INFO[i]) return false;
  const digest = oneShotHash("sha256", data, "buffer");
  for (let i = 0; i < 32; i++) if (t[SHA256_DIGEST_INFO.length + i] !== digest[i]) return false;
  return true;
}
