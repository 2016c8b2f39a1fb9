/**
 * Parsing a published key record, `selector._domainkey.domain IN TXT` (RFC 6376 §3.6.1; RFC 8463
 * §4 for k=ed25519; RFC 4870 §3.2.3 for the DomainKeys-only g=).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { parseTagList, stripFws } from "./tag-list.js";

/** A key record that parsed. `key` is null when p= is empty (revoked, §3.6.1). */
export interface KeyRecord {
  version: string | null; // v=
  keyType: "rsa" | "ed25519"; // k= (default rsa)
  /** h=: acceptable hash algorithms; null when absent (any). */
  hashes: string[] | null;
  /** s=: service types (default ["*"]). */
  serviceTypes: string[];
  /** t=: flags (y = testing, s = i= must be exactly d=). */
  flags: string[];
  testing: boolean;
  strictIdentity: boolean;
  /** g= (RFC 4870/4871 only, removed by RFC 6376): local-part pattern, null when absent. */
  granularity: string | null;
  /** n= notes. */
  notes: string | null;
  /** p= without FWS. */
  publicKeyB64: string;
  revoked: boolean;
  /** The public key, or null when revoked. */
  key: KeyObject | null;
  /** RSA modulus bits, 256 for Ed25519, 0 when revoked. */
  bits: number;
  /** Non-fatal findings ("p= is a bare PKCS#1 RSAPublicKey"). */
  warnings: string[];
}

/** Why a key record cannot be used: the tag at fault and the reason. */
export interface KeyRecordProblem {
  tag: string;
  reason: string;
}

/**
 * Parses a key record (the TXT strings already joined). Returns the record, or the problem that
 * makes it unusable (a permerror in RFC 6376 §6.1.2 terms). Does not check h= or g= against a
 * signature (the verifier does). A bare PKCS#1 RSAPublicKey in p= is accepted with a warning
 * (some signers publish it; go-msgauth and dkimpy accept it, Mail::DKIM does not).
 */
export function parseKeyRecord(txt: string): { record: KeyRecord } | { problem: KeyRecordProblem } {
  const parsed = parseTagList(txt);
  if ("problem" in parsed) {
    return {
      problem:
        parsed.problem.kind === "duplicate"
          ? { tag: parsed.problem.tag, reason: `duplicate tag ${parsed.problem.tag}=` }
          : { tag: "syntax", reason: `key record syntax error: ${parsed.problem.detail}` },
    };
  }
  const version = parsed.get("v") ?? null;
  // §3.6.1: v= is optional, MUST be first when present, and its only value is DKIM1.
  if (version !== null && (version !== "DKIM1" || parsed.tags[0]?.name !== "v")) {
    return { problem: { tag: "v", reason: `unsupported key record version v=${version}` } };
  }
  const k = parsed.get("k") ?? "rsa";
  if (k !== "rsa" && k !== "ed25519") return { problem: { tag: "k", reason: `unsupported key type k=${k}` } };
  const list = (v: string | undefined) =>
    v === undefined
      ? null
      : stripFws(v)
          .split(":")
          .filter((x) => x.length > 0);
  const serviceTypes = list(parsed.get("s")) ?? ["*"];
  if (!serviceTypes.includes("*") && !serviceTypes.includes("email")) {
    return { problem: { tag: "s", reason: `key is not for email (s=${serviceTypes.join(":")})` } };
  }
  const flags = list(parsed.get("t")) ?? [];
  const p = parsed.get("p");
  if (p === undefined) return { problem: { tag: "p", reason: "key record has no p= tag" } };
  const publicKeyB64 = stripFws(p);
  const warnings: string[] = [];
  const base = {
    version,
    keyType: k,
    hashes: list(parsed.get("h")),
    serviceTypes,
    flags,
    testing: flags.includes("y"),
    strictIdentity: flags.includes("s"),
    granularity: parsed.get("g") ?? null,
    notes: parsed.get("n") ?? null,
    publicKeyB64,
    warnings,
  } as const;
  if (publicKeyB64 === "") return { record: { ...base, revoked: true, key: null, bits: 0 } };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(publicKeyB64)) {
    return { problem: { tag: "p", reason: "p= is not base64" } };
  }
  const der = Buffer.from(publicKeyB64, "base64");
  const key = k === "rsa" ? rsaKey(der, warnings) : ed25519Key(der);
  if (typeof key === "string") return { problem: { tag: "p", reason: key } };
  const bits = k === "rsa" ? (key.asymmetricKeyDetails?.modulusLength ?? 0) : 256;
  return { record: { ...base, revoked: false, key, bits } };
}

/** An RSA key from SubjectPublicKeyInfo DER (RFC 6376 §3.6.1), else bare PKCS#1 with a warning. */
function rsaKey(der: Buffer, warnings: string[]): KeyObject | string {
  try {
    const key = createPublicKey({ key: der, format: "der", type: "spki" });
    if (key.asymmetricKeyType !== "rsa")
      return `p= holds a ${key.asymmetricKeyType ?? "non-RSA"} key, not RSA`;
    return key;
  } catch {
    try {
      const key = createPublicKey({ key: der, format: "der", type: "pkcs1" });
      warnings.push(
        "p= is a bare PKCS#1 RSAPublicKey, not SubjectPublicKeyInfo (RFC 6376 §3.6.1); some verifiers reject it",
      );
      return key;
    } catch {
      return "p= is not an RSA public key (neither SubjectPublicKeyInfo nor PKCS#1)";
    }
  }
}

/** An Ed25519 key from the raw 32 octets (RFC 8463 §4); SPKI DER here is a common error. */
function ed25519Key(raw: Buffer): KeyObject | string {
  if (raw.length !== 32) {
    return raw.length === 44 && raw[0] === 0x30
      ? "p= is an SPKI-wrapped Ed25519 key; RFC 8463 §4 requires the raw 32-byte key"
      : `p= must be a 32-byte Ed25519 key (RFC 8463 §4), got ${raw.length} bytes`;
  }
  try {
    return createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
      format: "jwk",
    });
  } catch {
    return "p= is not a valid Ed25519 public key";
  }
}
