/**
 * DKIM signing (RFC 6376 §5) with rsa-sha256 or ed25519-sha256 (RFC 8463), the body streamed.
 */
import { createHash, sign as cryptoSign, type KeyObject } from "node:crypto";
import type { ByteScanner } from "../message/byte-scan.js";
import type { HeaderField } from "../message/header-fields.js";
import { createBodyHasher } from "./body-hash.js";
import type { Canon } from "./canonicalize.js";
import { describeKey, MIN_RSA_BITS } from "./keygen.js";
import { formatSignatureField, type SignatureLayout } from "./signature-format.js";
import { headerHashInput, isSameOrSubdomain } from "./signature.js";

/** Algorithms spfdk signs with (rsa-sha1 is never produced, RFC 8301 §3.1). */
export type SigningAlgorithm = "rsa-sha256" | "ed25519-sha256";

/** Options of {@link createDkimSigner}. */
export interface DkimSignOptions {
  domain: string; // d=
  selector: string; // s=
  privateKey: KeyObject;
  algorithm: SigningAlgorithm; // a=
  headerCanon: Canon; // c=
  bodyCanon: Canon;
  /** h=: names in order, repeats included (see {@link signedHeaderList}). */
  signedHeaders: readonly string[];
  /** i= (written as given; must be in d= or a subdomain). */
  identity?: string;
  /** t= (seconds since the epoch). */
  timestamp?: number;
  /** x= (seconds since the epoch; must be after t=). */
  expiration?: number;
  /** Write l= with the canonical body length (off by default: appended text would be unsigned). */
  bodyLength?: boolean;
  /** Write q=dns/txt (the default value, so optional). */
  query?: boolean;
  /** Tag order and folding. */
  layout?: SignatureLayout;
}

/** An incremental signer: push the CRLF-normalised body, then `finish`. */
export interface DkimSigner {
  /** `scanned`: see BodyCanonicalizer.push. */
  update(bodyChunk: Buffer, scanned?: ByteScanner): void;
  /** The complete DKIM-Signature field, folded with CRLF, without the final CRLF. */
  finish(): string;
}

/**
 * Why `key` cannot sign with `algorithm`, or null: the key type must match a= and an RSA key must
 * have at least 1024 bits (RFC 8301 §3.2).
 */
export function signingKeyProblem(key: KeyObject, algorithm: SigningAlgorithm): string | null {
  if (key.type !== "private") return "the key is not a private key";
  const d = describeKey(key);
  if (d === null) return `unsupported key type ${key.asymmetricKeyType ?? "unknown"} (RSA or Ed25519 only)`;
  const want = algorithm === "rsa-sha256" ? "rsa" : "ed25519";
  if (d.type !== want) return `this ${d.type === "rsa" ? "RSA" : "Ed25519"} key cannot sign ${algorithm}`;
  if (d.type === "rsa" && d.bits < MIN_RSA_BITS) {
    return `RSA keys under ${MIN_RSA_BITS} bits are refused (RFC 8301 §3.2); this key has ${d.bits}`;
  }
  return null;
}

/** RFC 6376 §5.4.1's recommended fields, plus the MIME fields and Message-ID. */
export const DEFAULT_SIGNED_HEADERS = [
  "from",
  "reply-to",
  "subject",
  "date",
  "to",
  "cc",
  "resent-date",
  "resent-from",
  "resent-sender",
  "resent-to",
  "resent-cc",
  "in-reply-to",
  "references",
  "list-id",
  "list-help",
  "list-unsubscribe",
  "list-subscribe",
  "list-post",
  "list-owner",
  "list-archive",
  "message-id",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
] as const;

/** Fields over-signed by default: ones a message has at most once (RFC 5322 §3.6), and no list fields. */
export const OVERSIGNED_HEADERS = [
  "from",
  "reply-to",
  "subject",
  "date",
  "to",
  "cc",
  "in-reply-to",
  "references",
  "message-id",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
] as const;

/**
 * The h= list for a message: each wanted name once per instance present (bottom-up selection,
 * §5.4.2), plus one more for over-signed names so a prepended copy breaks the signature (§8.15).
 * From is always included (§5.4), and over-signed unless `oversign` is false. Names absent from the
 * message are left out, except From and over-signed names.
 */
export function signedHeaderList(
  fields: readonly HeaderField[],
  o: { headers?: readonly string[]; oversign: boolean },
): string[] {
  // The default list is already lower-case and without repeats.
  const wanted: string[] =
    o.headers === undefined
      ? [...DEFAULT_SIGNED_HEADERS]
      : [...new Set(o.headers.map((h) => h.toLowerCase()))];
  if (!wanted.includes("from")) wanted.unshift("from");
  const present = new Map<string, number>(); // instances per name, counted once
  for (const f of fields) present.set(f.key, (present.get(f.key) ?? 0) + 1);
  const out: string[] = [];
  for (const name of wanted) {
    const n = present.get(name) ?? 0;
    const extra =
      o.oversign && (o.headers !== undefined || (OVERSIGNED_HEADERS as readonly string[]).includes(name))
        ? 1
        : 0;
    const count = n === 0 && name !== "from" ? 0 : Math.max(n, name === "from" ? 1 : 0) + extra;
    for (let i = 0; i < count; i++) out.push(name);
  }
  return out;
}

/**
 * Creates a signer for a message whose header fields are `fields`. Throws a RangeError for options
 * that cannot give a valid signature (key problem, x= not after t=, i= outside d=); the CLI checks
 * them first. The signature it returns verifies against `fields` plus the body pushed.
 * `keyChecked` skips the key check (reading an RSA key's size is slow) when the caller already
 * called {@link signingKeyProblem} for this key and algorithm.
 */
export function createDkimSigner(
  o: DkimSignOptions,
  fields: readonly HeaderField[],
  keyChecked = false,
): DkimSigner {
  const problem = keyChecked ? null : signingKeyProblem(o.privateKey, o.algorithm);
  if (problem) throw new RangeError(problem);
  if (o.expiration !== undefined && o.timestamp !== undefined && o.expiration <= o.timestamp) {
    throw new RangeError("x= must be after t=");
  }
  if (
    o.identity !== undefined &&
    !isSameOrSubdomain(o.identity.slice(o.identity.lastIndexOf("@") + 1), o.domain)
  ) {
    throw new RangeError(`i=${o.identity} must be in d=${o.domain} or a subdomain (RFC 6376 §3.5)`);
  }
  if (!o.signedHeaders.some((h) => h.toLowerCase() === "from"))
    throw new RangeError("h= must include From (RFC 6376 §5.4)");
  const hasher = createBodyHasher(o.bodyCanon, "sha256");
  return {
    update: (chunk, scanned) => hasher.update(chunk, scanned),
    finish() {
      const body = hasher.finish();
      const tags = new Map<string, string>([
        ["v", "1"],
        ["a", o.algorithm],
        ["c", `${o.headerCanon}/${o.bodyCanon}`],
        ["d", o.domain],
        ["s", o.selector],
      ]);
      if (o.identity !== undefined) tags.set("i", encodeDkimQuotedPrintable(o.identity));
      if (o.query) tags.set("q", "dns/txt");
      if (o.timestamp !== undefined) tags.set("t", String(o.timestamp));
      if (o.expiration !== undefined) tags.set("x", String(o.expiration));
      if (o.bodyLength) tags.set("l", String(body.canonicalLength));
      tags.set("h", o.signedHeaders.join(":"));
      tags.set("bh", body.bodyHash);
      const unsigned = formatSignatureField(tags, "", o.layout);
      // b= is empty here, so this field is exactly what §3.7 hashes.
      const names = o.signedHeaders.map((h) => h.toLowerCase());
      const data = headerHashInput(fields, names, o.headerCanon, fieldOf(unsigned));
      const b =
        o.algorithm === "ed25519-sha256"
          ? cryptoSign(null, createHash("sha256").update(data).digest(), o.privateKey) // RFC 8463 §3
          : cryptoSign("sha256", data, o.privateKey); // RSASSA-PKCS1-v1_5, RFC 6376 §3.3.1
      return formatSignatureField(tags, b.toString("base64"), o.layout);
    },
  };
}

/**
 * dkim-quoted-printable (RFC 6376 §2.11): octets other than 0x21-0x3A, 0x3C, 0x3E-0x7E become =XX,
 * so ";" and "=" in i= cannot break the tag-list. Non-ASCII is encoded as its UTF-8 octets.
 */
export function encodeDkimQuotedPrintable(s: string): string {
  return [...Buffer.from(s, "utf8")]
    .map((b) =>
      (b >= 0x21 && b <= 0x3a) || b === 0x3c || (b >= 0x3e && b <= 0x7e)
        ? String.fromCharCode(b)
        : `=${b.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
}

/** A HeaderField for a field we wrote ("Name: value" with CRLF folding). */
function fieldOf(text: string): HeaderField {
  const raw = Buffer.from(text, "latin1");
  const colon = raw.indexOf(":");
  const name = text.slice(0, colon);
  return { name, key: name.toLowerCase(), raw, value: raw.subarray(colon + 1) };
}
