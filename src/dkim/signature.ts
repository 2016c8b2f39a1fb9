/**
 * Parsing a DKIM-Signature header field (RFC 6376 §3.5) into checked values, and the header hash
 * input it covers (§3.7, §5.4.2).
 */
import { dnsNameProblem, selectorProblem } from "../dns/names.js";
import type { HeaderField } from "../message/header-fields.js";
import { canonicalizeHeader, relaxedHeaderText, type Canon } from "./canonicalize.js";
import type { HashAlgorithm } from "./body-hash.js";
import { parseTagList, stripFws } from "./tag-list.js";

/** Signing algorithms spfdk knows: RFC 6376 §3.3 and RFC 8463 §3. */
export type DkimAlgorithm = "rsa-sha256" | "rsa-sha1" | "ed25519-sha256";

/** A DKIM-Signature whose tags are valid. */
export interface DkimSignature {
  version: string | null; // v= (null: pre-standard draft without v=)
  algorithm: DkimAlgorithm; // a=
  keyType: "rsa" | "ed25519";
  hash: HashAlgorithm;
  signature: Buffer; // b=
  bodyHash: string; // bh= (base64 without FWS)
  headerCanon: Canon; // c= (before "/")
  bodyCanon: Canon; // c= (after "/")
  domain: string; // d=
  selector: string; // s=
  signedHeaders: string[]; // h= (lower-case)
  identity: string; // i= (dkim-quoted-printable decoded; default "@" + d=)
  length: number | null; // l=
  timestamp: number | null; // t=
  expiration: number | null; // x=
  field: HeaderField;
  /** The field with the b= value removed (RFC 6376 §3.7), as hashed. */
  fieldWithoutB: HeaderField;
}

/** A signature that cannot be evaluated: the tag at fault and why (a permerror, RFC 6376 §6.1.1). */
export interface SignatureProblem {
  tag: string;
  reason: string;
  /** What could be read, for the report. */
  domain: string;
  selector: string;
  algorithm: string;
}

/** Options of {@link parseDkimSignature}. */
export interface ParseSignatureOptions {
  /** Accept pre-RFC drafts (no v=, v=0.5) and q=dns. */
  legacy: boolean;
}

const ALGORITHMS: Record<string, { keyType: "rsa" | "ed25519"; hash: HashAlgorithm }> = {
  "rsa-sha256": { keyType: "rsa", hash: "sha256" },
  "rsa-sha1": { keyType: "rsa", hash: "sha1" },
  "ed25519-sha256": { keyType: "ed25519", hash: "sha256" },
};

/** Decodes dkim-quoted-printable (RFC 6376 §2.11): =XX hex pairs, FWS removed. */
export function decodeDkimQuotedPrintable(s: string): string {
  return stripFws(s).replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/** Whether `sub` is `domain` or a subdomain of it (case-insensitive). */
export function isSameOrSubdomain(sub: string, domain: string): boolean {
  const a = sub.toLowerCase().replace(/\.$/, "");
  const b = domain.toLowerCase().replace(/\.$/, "");
  return a === b || a.endsWith(`.${b}`);
}

/**
 * d= and s= must be DNS names (RFC 6376 §3.5: domain-name and selector), checked before they are
 * put into a key query. Octets above 0x7f pass (RFC 8616 allows UTF-8 labels).
 */
function checkNames(domain: string, selector: string): { tag: string; reason: string } | null {
  const ascii = (s: string) => s.replace(/[\x80-\xff]/g, "a");
  const d = dnsNameProblem(ascii(domain));
  if (d) return { tag: "d", reason: `d=${domain} is not a domain name: it ${d}` };
  const s = selectorProblem(ascii(selector));
  if (s) return { tag: "s", reason: `s=${selector} is not a selector: it ${s}` };
  return null;
}

type Get = (name: string) => string | undefined;
type Checked<T> = T | { tag: string; reason: string };
const isProblem = <T>(x: Checked<T>): x is { tag: string; reason: string } =>
  typeof x === "object" && x !== null && "reason" in x && "tag" in x;

/** v= (§3.5: must be "1"; --legacy also takes drafts without v= or with v=0.5), required tags, a=. */
function checkVersionAndAlgorithm(get: Get, o: ParseSignatureOptions): Checked<(typeof ALGORITHMS)[string]> {
  const version = get("v") ?? null;
  if (version === null && !o.legacy) {
    return { tag: "v", reason: "no v= tag (pre-RFC 4871 draft signature; --legacy accepts it)" };
  }
  if (version !== null && version !== "1" && !(o.legacy && version === "0.5")) {
    return { tag: "v", reason: `unsupported version v=${version}` };
  }
  for (const t of ["a", "b", "bh", "d", "h", "s"]) {
    if (get(t) === undefined) return { tag: t, reason: `required tag ${t}= is missing` };
  }
  const name = stripFws(get("a")!);
  // Object.hasOwn: a= is untrusted text, and "constructor" or "__proto__" must not find Object.prototype.
  return Object.hasOwn(ALGORITHMS, name)
    ? ALGORITHMS[name]!
    : { tag: "a", reason: `unsupported algorithm a=${name}` };
}

/** c= (§3.5): absent means simple/simple, "relaxed" alone means relaxed/simple. */
function checkCanonicalization(get: Get): Checked<[Canon, Canon]> {
  const c = stripFws(get("c") ?? "simple/simple");
  const parts = c.split("/");
  const [hc, bc = "simple"] = parts;
  const ok = (x: string | undefined): x is Canon => x === "simple" || x === "relaxed";
  if (parts.length > 2 || !ok(hc) || !ok(bc))
    return { tag: "c", reason: `unsupported canonicalization c=${c}` };
  return [hc, bc];
}

/** q= (§3.5): must offer dns/txt (drafts wrote "dns", accepted with --legacy). */
function checkQuery(get: Get, o: ParseSignatureOptions): Checked<null> {
  const q = get("q");
  if (q === undefined) return null;
  const methods = stripFws(q).split(":");
  if (methods.includes("dns/txt") || (o.legacy && methods.includes("dns"))) return null;
  return { tag: "q", reason: `unsupported query method q=${stripFws(q)}` };
}

/** i= (§3.5): dkim-quoted-printable, default "@d", its domain d= or a subdomain. */
function checkIdentity(get: Get, domain: string): Checked<string> {
  const rawI = get("i");
  const identity = rawI === undefined ? `@${domain}` : decodeDkimQuotedPrintable(rawI);
  const at = identity.lastIndexOf("@");
  if (at < 0) return { tag: "i", reason: `i=${identity} has no "@"` };
  if (!isSameOrSubdomain(identity.slice(at + 1), domain)) {
    return { tag: "i", reason: `i=${identity} is not in d=${domain} or a subdomain (RFC 6376 §3.5)` };
  }
  return identity;
}

/** l=, t=, x= (§3.5): decimal numbers, x= not before t=. */
function checkNumbers(
  get: Get,
): Checked<{ length: number | null; timestamp: number | null; expiration: number | null }> {
  const num = (t: string): number | null | undefined => {
    const v = get(t);
    if (v === undefined) return null;
    const d = stripFws(v);
    return /^\d{1,76}$/.test(d) ? Number(d) : undefined; // undefined: not a number
  };
  const length = num("l");
  if (length === undefined) return { tag: "l", reason: "l= is not a number" };
  const timestamp = num("t");
  if (timestamp === undefined) return { tag: "t", reason: "t= is not a number" };
  const expiration = num("x");
  if (expiration === undefined) return { tag: "x", reason: "x= is not a number" };
  if (timestamp !== null && expiration !== null && expiration < timestamp) {
    return { tag: "x", reason: `x=${expiration} is before t=${timestamp} (RFC 6376 §3.5)` };
  }
  return { length, timestamp, expiration };
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses and checks a DKIM-Signature field. Returns the signature, or the first problem that makes
 * it a permerror: a duplicate or malformed tag, a missing required tag (§3.5: v, a, b, bh, d, h, s),
 * an unknown v=, a=, c= or q=, h= without From (§5.4), i= outside d= (§3.5), x= before t=.
 * Expiry is not checked here (the verifier has the clock).
 */
export function parseDkimSignature(
  field: HeaderField,
  o: ParseSignatureOptions,
): { signature: DkimSignature } | { problem: SignatureProblem } {
  const text = field.value.toString("latin1");
  const parsed = parseTagList(text);
  if ("problem" in parsed) {
    const p = parsed.problem;
    const tag = p.kind === "duplicate" ? p.tag : "syntax";
    const reason = p.kind === "duplicate" ? `duplicate tag ${p.tag}=` : `tag-list syntax error: ${p.detail}`;
    return { problem: { tag, reason, domain: "", selector: "", algorithm: "" } };
  }
  const get: Get = (n) => parsed.get(n);
  const domain = stripFws(get("d") ?? "");
  const selector = stripFws(get("s") ?? "");
  const algorithm = stripFws(get("a") ?? "");
  const fail = (p: { tag: string; reason: string }) => ({ problem: { ...p, domain, selector, algorithm } });

  const alg = checkVersionAndAlgorithm(get, o);
  if (isProblem(alg)) return fail(alg);
  if (domain === "") return fail({ tag: "d", reason: "d= is empty" });
  if (selector === "") return fail({ tag: "s", reason: "s= is empty" });
  const names = checkNames(domain, selector);
  if (names) return fail(names);
  const canon = checkCanonicalization(get);
  if (isProblem(canon)) return fail(canon);
  const query = checkQuery(get, o);
  if (isProblem(query)) return fail(query);
  const signedHeaders = get("h")!
    .split(":")
    .map((h) => stripFws(h).toLowerCase())
    .filter((h) => h.length > 0);
  if (!signedHeaders.includes("from"))
    return fail({ tag: "h", reason: "h= does not include From (RFC 6376 §5.4)" });
  const identity = checkIdentity(get, domain);
  if (isProblem(identity)) return fail(identity);
  const numbers = checkNumbers(get);
  if (isProblem(numbers)) return fail(numbers);
  const b = stripFws(get("b")!);
  const bh = stripFws(get("bh")!);
  if (!BASE64.test(b)) return fail({ tag: "b", reason: "b= is empty or not base64" });
  if (!BASE64.test(bh)) return fail({ tag: "bh", reason: "bh= is empty or not base64" });

  return {
    signature: {
      version: get("v") ?? null,
      algorithm: algorithm as DkimAlgorithm,
      keyType: alg.keyType,
      hash: alg.hash,
      signature: Buffer.from(b, "base64"),
      bodyHash: bh,
      headerCanon: canon[0],
      bodyCanon: canon[1],
      domain,
      selector,
      signedHeaders,
      identity,
      length: numbers.length,
      timestamp: numbers.timestamp,
      expiration: numbers.expiration,
      field,
      fieldWithoutB: withoutBValue(
        field,
        text,
        parsed.tags.find((t) => t.name === "b")!,
      ),
    },
  };
}

/**
 * The field with everything between "b=" and the next ";" (or the end) removed: RFC 6376 §3.5
 * "b=": the value "including all surrounding whitespace" is deleted; the rest stays byte-identical.
 */
function withoutBValue(
  field: HeaderField,
  text: string,
  bTag: { valueStart: number; valueEnd: number },
): HeaderField {
  let start = bTag.valueStart;
  while (start > 0 && text[start - 1] !== "=") start--;
  let end = bTag.valueEnd;
  while (end < text.length && text[end] !== ";") end++;
  const offset = field.raw.length - field.value.length;
  const raw = Buffer.concat([field.raw.subarray(0, offset + start), field.raw.subarray(offset + end)]);
  return { name: field.name, key: field.key, raw, value: raw.subarray(offset) };
}

/**
 * The header hash input (RFC 6376 §3.7 step 2, §5.4.2): for each name in h=, the next unused
 * instance counted from the bottom; a name with no instance left contributes nothing (which is what
 * makes over-signing work). Then the signature field itself, b= emptied, without its final CRLF.
 */
export function headerHashInput(
  fields: readonly HeaderField[],
  signedHeaders: readonly string[],
  canon: Canon,
  signatureField: HeaderField,
): Buffer {
  const chosen: HeaderField[] = [];
  const used = new Map<string, number>(); // name -> how many taken from the bottom
  for (const name of signedHeaders) {
    const skip = used.get(name) ?? 0;
    let seen = 0;
    for (let i = fields.length - 1; i >= 0; i--) {
      const f = fields[i]!;
      if (f.key !== name) continue;
      if (seen++ === skip) {
        chosen.push(f);
        break;
      }
    }
    used.set(name, skip + 1);
  }
  if (canon === "relaxed") {
    // One latin1 string, converted once (a Buffer per field costs more than the hashing).
    let text = "";
    for (const f of chosen) text += relaxedHeaderText(f, true);
    return Buffer.from(text + relaxedHeaderText(signatureField, false), "latin1");
  }
  const parts: Buffer[] = [];
  for (const f of chosen) parts.push(canonicalizeHeader(f, canon));
  parts.push(canonicalizeHeader(signatureField, canon, false));
  return Buffer.concat(parts);
}
