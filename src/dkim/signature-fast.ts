/**
 * A quick parser for the usual DKIM-Signature field (RFC 6376 §3.5): one scan of the tag list into
 * a fixed-shape object (tag names told by char codes), no tag-list Map or closures, regular
 * expressions only on b=, bh= and a folded h= (where V8 runs them faster than a char-code loop:
 * a table-driven base64 loop was 0.3 µs slower on the bench's b=). It only ever accepts: anything
 * unusual (a problem, an unknown or duplicate tag, FWS inside d=, a=, c= ..., a draft v=, q= other
 * than dns/txt) returns null, and the caller then asks `parseDkimSignature` (signature.ts), which stays the definition:
 * every problem and every unusual signature comes from it. When this parser accepts, its result
 * equals that of `parseDkimSignature` (test/dkim/signature-perf-fast.test.ts checks that).
 */
import type { HeaderField } from "../message/header-fields.js";
import type { HashAlgorithm } from "./body-hash.js";
import type { Canon } from "./canonicalize.js";
import {
  decodeDkimQuotedPrintable,
  isSameOrSubdomain,
  type DkimAlgorithm,
  type DkimSignature,
} from "./signature.js";
import { stripFws } from "./tag-list.js";

const SEMI = 0x3b;
const EQ = 0x3d;

const isFws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

// Maps, not object literals: a= or c= "constructor" must not find Object.prototype members.
const ALGORITHMS = new Map<string, { keyType: "rsa" | "ed25519"; hash: HashAlgorithm }>([
  ["rsa-sha256", { keyType: "rsa", hash: "sha256" }],
  ["rsa-sha1", { keyType: "rsa", hash: "sha1" }],
  ["ed25519-sha256", { keyType: "ed25519", hash: "sha256" }],
]);

const CANONS = new Map<string, [Canon, Canon]>([
  ["simple", ["simple", "simple"]],
  ["relaxed", ["relaxed", "simple"]],
  ["simple/simple", ["simple", "simple"]],
  ["simple/relaxed", ["simple", "relaxed"]],
  ["relaxed/simple", ["relaxed", "simple"]],
  ["relaxed/relaxed", ["relaxed", "relaxed"]],
]);

// Regular expressions for the long values: V8 runs them several times faster than a charCodeAt loop.
const FWS = /[ \t\r\n]/;
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/**
 * signature.ts's BASE64 test, /^[A-Za-z0-9+/]+={0,2}$/, on a value without FWS: only base64
 * octets, at least one before any "=", and at most two "=", all at the end. V8 runs the anchored
 * expression several times slower on a 344-character b= (a backtrack entry per octet) than this
 * search for an octet outside the alphabet.
 */
function isBase64(s: string): boolean {
  if (NOT_BASE64.test(s)) return false;
  const eq = s.indexOf("=");
  if (eq < 0) return s.length > 0;
  return eq > 0 && eq >= s.length - 2 && s.charCodeAt(s.length - 1) === EQ;
}

const NOT_BASE64_OR_FWS = /[^A-Za-z0-9+/=\t\n\r ]/;

/**
 * isBase64 of `s` without its FWS, with no FWS-free copy made: `s` (a trimmed tag value) holds only
 * base64 octets and FWS, and after the first "=" only FWS and at most one more "=".
 */
function isFoldedBase64(s: string): boolean {
  if (s.length === 0 || NOT_BASE64_OR_FWS.test(s)) return false;
  const eq = s.indexOf("=");
  if (eq < 0) return true;
  if (eq === 0) return false;
  let pads = 0;
  for (let i = eq; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === EQ) pads++;
    else if (!isFws(c)) return false;
  }
  return pads <= 2;
}

/** 1 to 76 decimal digits (what signature.ts accepts for l=, t=, x= without FWS), else undefined. */
function digits(s: string | undefined): number | null | undefined {
  if (s === undefined) return null;
  if (s.length === 0 || s.length > 76) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return Number(s);
}

/** Tag values by name (every known name present, undefined when absent: one object shape). */
interface Tags {
  v: string | undefined;
  a: string | undefined;
  b: string | undefined;
  bh: string | undefined;
  c: string | undefined;
  d: string | undefined;
  h: string | undefined;
  i: string | undefined;
  l: string | undefined;
  q: string | undefined;
  s: string | undefined;
  t: string | undefined;
  x: string | undefined;
  z: string | undefined;
}

/** Index of a known tag name by its first octet (one-letter names; "bh" is BH), -1 when unknown. */
const ONE_LETTER = ((): Int8Array => {
  const t = new Int8Array(128).fill(-1);
  "vabcdhilqstxz".split("").forEach((ch, k) => (t[ch.charCodeAt(0)] = k));
  return t;
})();
// Tag indexes: v 0, a 1, b 2, c 3, d 4, h 5, i 6, l 7, q 8, s 9, t 10, x 11, z 12, bh 13.
const BH = 13;

/** The tag list of `text` when every tag-spec is plain (known name, "=", value), else null. */
function scanTags(text: string): { tags: Tags; bStart: number; bEnd: number } | null {
  // Values by tag index (above), the name told by its char codes: no name strings, no Set.
  const vals: (string | undefined)[] = new Array<string | undefined>(14).fill(undefined);
  let bStart = -1;
  let bEnd = -1;
  const n = text.length;
  let pos = 0;
  while (pos <= n) {
    let semi = text.indexOf(";", pos);
    if (semi < 0) semi = n;
    let i = pos;
    while (i < semi && isFws(text.charCodeAt(i))) i++;
    if (i < semi) {
      // As parseTagList: the name runs to the first "=", FWS around it removed.
      const eq = text.indexOf("=", i);
      if (eq < 0 || eq > semi) return null;
      let ne = eq;
      while (ne > i && isFws(text.charCodeAt(ne - 1))) ne--;
      const c0 = text.charCodeAt(i);
      let k = -1;
      if (ne - i === 1) k = c0 < 128 ? ONE_LETTER[c0]! : -1;
      else if (ne - i === 2 && c0 === 0x62 && text.charCodeAt(i + 1) === 0x68) k = BH;
      if (k < 0 || vals[k] !== undefined) return null;
      let vs = eq + 1;
      let ve = semi;
      while (vs < ve && isFws(text.charCodeAt(vs))) vs++;
      while (ve > vs && isFws(text.charCodeAt(ve - 1))) ve--;
      vals[k] = text.slice(vs, ve);
      if (k === 2) {
        bStart = vs;
        bEnd = ve;
      }
    }
    pos = semi + 1;
  }
  const tags: Tags = {
    v: vals[0],
    a: vals[1],
    b: vals[2],
    c: vals[3],
    d: vals[4],
    h: vals[5],
    i: vals[6],
    l: vals[7],
    q: vals[8],
    s: vals[9],
    t: vals[10],
    x: vals[11],
    z: vals[12],
    bh: vals[13],
  };
  return { tags, bStart, bEnd };
}

/** h=: names split at ":", FWS removed, lower-cased, empty ones dropped (as signature.ts does). */
function signedHeaderNames(h: string): string[] {
  // One char-code scan: FWS around a name is skipped, FWS inside one (rare) goes through stripFws.
  const out: string[] = [];
  const n = h.length;
  let pos = 0;
  while (pos <= n) {
    let end = h.indexOf(":", pos);
    if (end < 0) end = n;
    let s = pos;
    let e = end;
    while (s < e && isFws(h.charCodeAt(s))) s++;
    while (e > s && isFws(h.charCodeAt(e - 1))) e--;
    if (e > s) {
      let inner = false;
      let upper = false;
      for (let i = s; i < e; i++) {
        const c = h.charCodeAt(i);
        if (isFws(c)) inner = true;
        else if ((c >= 0x41 && c <= 0x5a) || c > 0x7f) upper = true; // toLowerCase decides
      }
      let name = h.slice(s, e);
      if (inner) name = stripFws(name);
      out.push(upper ? name.toLowerCase() : name);
    }
    pos = end + 1;
  }
  return out;
}

/**
 * The DKIM-Signature in `field` when it is plain and valid under RFC 6376 (v=1), else null: the
 * caller then uses `parseDkimSignature`, which also gives the problems.
 */
export function parseDkimSignatureFast(field: HeaderField): { signature: DkimSignature } | null {
  const text = field.value.toString("latin1");
  const scan = scanTags(text);
  if (scan === null) return null;
  const t = scan.tags;
  const { a, b, bh, d, h, s } = t;
  if (t.v !== "1" || a === undefined || b === undefined || bh === undefined) return null;
  if (d === undefined || h === undefined || s === undefined) return null;
  const alg = ALGORITHMS.get(a);
  if (alg === undefined || d === "" || s === "" || FWS.test(d) || FWS.test(s)) return null;
  const canon = CANONS.get(t.c ?? "simple/simple");
  if (canon === undefined || (t.q !== undefined && t.q !== "dns/txt")) return null;
  const signedHeaders = signedHeaderNames(h);
  if (!signedHeaders.includes("from")) return null;
  let identity = `@${d}`;
  if (t.i !== undefined) {
    identity = decodeDkimQuotedPrintable(t.i);
    const at = identity.lastIndexOf("@");
    if (at < 0 || !isSameOrSubdomain(identity.slice(at + 1), d)) return null;
  }
  const length = digits(t.l);
  const timestamp = digits(t.t);
  const expiration = digits(t.x);
  if (length === undefined || timestamp === undefined || expiration === undefined) return null;
  if (timestamp !== null && expiration !== null && expiration < timestamp) return null;
  if (!isFoldedBase64(b) || !isBase64(bh)) return null;
  return {
    signature: {
      version: "1",
      algorithm: a as DkimAlgorithm,
      keyType: alg.keyType,
      hash: alg.hash,
      // Node's base64 decoder skips the FWS (the general parser strips it first: same octets).
      signature: Buffer.from(b, "base64"),
      bodyHash: bh,
      headerCanon: canon[0],
      bodyCanon: canon[1],
      domain: d,
      selector: s,
      signedHeaders,
      identity,
      length,
      timestamp,
      expiration,
      field,
      fieldWithoutB: withoutB(field, text, scan.bStart, scan.bEnd),
    },
  };
}

/** The field with b='s value and the FWS around it removed (RFC 6376 §3.5 "b="), as signature.ts does. */
function withoutB(field: HeaderField, text: string, valueStart: number, valueEnd: number): HeaderField {
  let start = valueStart;
  while (start > 0 && text.charCodeAt(start - 1) !== EQ) start--;
  let end = valueEnd;
  while (end < text.length && text.charCodeAt(end) !== SEMI) end++;
  const offset = field.raw.length - field.value.length;
  const raw = Buffer.concat([field.raw.subarray(0, offset + start), field.raw.subarray(offset + end)]);
  return { name: field.name, key: field.key, raw, value: raw.subarray(offset) };
}
