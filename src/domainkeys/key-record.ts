/**
 * The DomainKeys public key record: a TXT record at `selector._domainkey.domain` (RFC 4870 §3.2),
 * with the DomainKeys key tags (k=, p=, g=, t=, n=). DKIM reads the same record, so DKIM-only tags (v=, h=, s=, t=s) are
 * honoured where they restrict the key, as Mail::DKIM does.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { parseTagList, withoutFws } from "./tag-list.js";

/** A usable DomainKeys key. */
export interface DkKey {
  publicKey: KeyObject;
  /** Modulus length in bits. */
  bits: number;
  /** g= (granularity); null when the tag is absent. */
  granularity: string | null;
  /** t=y: the domain is testing DomainKeys (RFC 4870 §3.2). */
  testing: boolean;
  /** t=s (RFC 6376 §3.6.1): the identity's domain must equal d= exactly, no subdomain. */
  noSubdomains: boolean;
  /** n= notes, for people. */
  notes: string | null;
}

/** Why a key record cannot be used. `revoked` is an empty p= (RFC 4870 §3.2). */
export type DkKeyProblem = { kind: "revoked" } | { kind: "invalid"; detail: string };

/**
 * Parses one TXT record (its strings already joined). Returns the key, or a problem: revoked for an
 * empty p=; invalid for a bad tag list, a missing p=, a k= other than rsa, a v= other than DKIM1, an
 * s= service list without `email` or `*`, an h= hash list without sha1 (DomainKeys hashes with SHA-1,
 * RFC 4870 §3.3), or p= data that is not an RSA SubjectPublicKeyInfo. It does not judge key size.
 */
export function parseDkKeyRecord(txt: string): { key: DkKey } | { problem: DkKeyProblem } {
  const parsed = parseTagList(txt);
  if ("problem" in parsed) return invalid(parsed.problem);
  const t = parsed.tags;
  const v = t.get("v");
  if (v !== undefined && v !== "DKIM1") return invalid(`unsupported key record version v=${v}`);
  const k = t.get("k");
  if (k !== undefined && k !== "" && k !== "rsa") return invalid(`unsupported key type k=${k}`);
  const h = t.get("h");
  if (h !== undefined && !withoutFws(h).split(":").includes("sha1"))
    return invalid(`key h=${h} does not allow sha1`);
  const s = t.get("s");
  if (
    s !== undefined &&
    !withoutFws(s)
      .split(":")
      .some((x) => x === "email" || x === "*")
  ) {
    return invalid(`key s=${s} is not for email`);
  }
  const p = t.get("p");
  if (p === undefined) return invalid("missing p= tag");
  const data = withoutFws(p);
  if (data === "") return { problem: { kind: "revoked" } };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return invalid("p= is not base64");
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(data, "base64"), format: "der", type: "spki" });
  } catch {
    return invalid("p= is not a public key (expected DER SubjectPublicKeyInfo)");
  }
  if (publicKey.asymmetricKeyType !== "rsa")
    return invalid(`p= holds a ${publicKey.asymmetricKeyType} key, not RSA`);
  const flags = withoutFws(t.get("t") ?? "").split(":");
  return {
    key: {
      publicKey,
      bits: publicKey.asymmetricKeyDetails?.modulusLength ?? 0,
      granularity: t.has("g") ? t.get("g")! : null,
      testing: flags.includes("y"),
      noSubdomains: flags.includes("s"),
      notes: t.get("n") ?? null,
    },
  };
}

function invalid(detail: string): { problem: DkKeyProblem } {
  return { problem: { kind: "invalid", detail } };
}

/**
 * Whether the local part of `identity` is allowed by the key's g= (RFC 4870 §3.2). An absent or
 * empty g= allows any local part (RFC 4870: g= constrains only "if present with a non-zero length
 * value"). A g= with one `*` matches as a wildcard (prefix*suffix), as in RFC 4871 and Mail::DKIM,
 * whose corpus uses `g=jl*g`; otherwise the local part must equal g= exactly (case-sensitive).
 */
export function granularityMatches(granularity: string | null, identity: string): boolean {
  if (granularity === null || granularity === "") return true;
  const at = identity.lastIndexOf("@");
  const local = at < 0 ? "" : identity.slice(0, at);
  const star = granularity.indexOf("*");
  if (star < 0) return local === granularity;
  const begins = granularity.slice(0, star);
  const ends = granularity.slice(star + 1);
  return local.length >= begins.length + ends.length && local.startsWith(begins) && local.endsWith(ends);
}
