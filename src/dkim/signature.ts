/**
 * Parsing a DKIM-Signature header field (RFC 6376 §3.5) into checked values, and the header hash
 * input it covers (§3.7, §5.4.2).
 */
import type { HeaderField } from "../message/header-fields.js";
import { canonicalizeHeader, type Canon } from "./canonicalize.js";
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
    return {
      problem: {
        tag: p.kind === "duplicate" ? p.tag : "syntax",
        reason: p.kind === "duplicate" ? `duplicate tag ${p.tag}=` : `tag-list syntax error: ${p.detail}`,
        domain: "",
        selector: "",
        algorithm: "",
      },
    };
  }
  const get = (n: string) => parsed.get(n);
  const domain = stripFws(get("d") ?? "");
  const selector = stripFws(get("s") ?? "");
  const algorithmName = stripFws(get("a") ?? "");
  const fail = (tag: string, reason: string) => ({
    problem: { tag, reason, domain, selector, algorithm: algorithmName },
  });

  const version = get("v") ?? null;
  if (version === null ? !o.legacy : version !== "1" && !(o.legacy && version === "0.5")) {
    return version === null
      ? fail("v", "no v= tag (pre-RFC 4871 draft signature; --legacy accepts it)")
      : fail("v", `unsupported version v=${version}`);
  }
  for (const t of ["a", "b", "bh", "d", "h", "s"]) {
    if (get(t) === undefined) return fail(t, `required tag ${t}= is missing`);
  }
  const alg = ALGORITHMS[algorithmName];
  if (!alg) return fail("a", `unsupported algorithm a=${algorithmName}`);
  if (domain === "") return fail("d", "d= is empty");
  if (selector === "") return fail("s", "s= is empty");

  const c = stripFws(get("c") ?? "simple/simple");
  const [hc, bc = "simple"] = c.split("/", 2); // §3.5: "relaxed" alone means relaxed/simple
  if (
    (hc !== "simple" && hc !== "relaxed") ||
    (bc !== "simple" && bc !== "relaxed") ||
    c.split("/").length > 2
  ) {
    return fail("c", `unsupported canonicalization c=${c}`);
  }
  const q = get("q");
  if (q !== undefined) {
    const methods = stripFws(q).split(":");
    if (!methods.includes("dns/txt") && !(o.legacy && methods.includes("dns"))) {
      return fail("q", `unsupported query method q=${stripFws(q)}`);
    }
  }
  const signedHeaders = get("h")!
    .split(":")
    .map((h) => stripFws(h).toLowerCase())
    .filter((h) => h.length > 0);
  if (!signedHeaders.includes("from")) return fail("h", "h= does not include From (RFC 6376 §5.4)");

  const rawI = get("i");
  const identity = rawI === undefined ? `@${domain}` : decodeDkimQuotedPrintable(rawI);
  const at = identity.lastIndexOf("@");
  if (at < 0) return fail("i", `i=${identity} has no "@"`);
  if (!isSameOrSubdomain(identity.slice(at + 1), domain)) {
    return fail("i", `i=${identity} is not in d=${domain} or a subdomain (RFC 6376 §3.5)`);
  }
  const num = (t: string): number | null | "bad" => {
    const v = get(t);
    if (v === undefined) return null;
    const s = stripFws(v);
    return /^\d{1,76}$/.test(s) ? Number(s) : "bad";
  };
  const length = num("l");
  const timestamp = num("t");
  const expiration = num("x");
  if (length === "bad") return fail("l", "l= is not a number");
  if (timestamp === "bad") return fail("t", "t= is not a number");
  if (expiration === "bad") return fail("x", "x= is not a number");
  if (timestamp !== null && expiration !== null && expiration < timestamp) {
    return fail("x", `x=${expiration} is before t=${timestamp} (RFC 6376 §3.5)`);
  }
  const b = stripFws(get("b")!);
  const bh = stripFws(get("bh")!);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b) || b === "") return fail("b", "b= is empty or not base64");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(bh) || bh === "") return fail("bh", "bh= is empty or not base64");

  const bTag = parsed.tags.find((t) => t.name === "b")!;
  return {
    signature: {
      version,
      algorithm: algorithmName as DkimAlgorithm,
      keyType: alg.keyType,
      hash: alg.hash,
      signature: Buffer.from(b, "base64"),
      bodyHash: bh,
      headerCanon: hc,
      bodyCanon: bc,
      domain,
      selector,
      signedHeaders,
      identity,
      length,
      timestamp,
      expiration,
      field,
      fieldWithoutB: withoutBValue(field, text, bTag),
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
  const parts: Buffer[] = [];
  const used = new Map<string, number>(); // name -> how many taken from the bottom
  for (const name of signedHeaders) {
    const skip = used.get(name) ?? 0;
    let seen = 0;
    for (let i = fields.length - 1; i >= 0; i--) {
      const f = fields[i]!;
      if (f.key !== name) continue;
      if (seen++ === skip) {
        parts.push(canonicalizeHeader(f, canon));
        break;
      }
    }
    used.set(name, skip + 1);
  }
  parts.push(canonicalizeHeader(signatureField, canon, false));
  return Buffer.concat(parts);
}
