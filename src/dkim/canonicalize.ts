/**
 * DKIM canonicalization (RFC 6376 §3.4): header fields one at a time, the body incrementally.
 * Input is CRLF-normalised (src/message/message-reader.ts); a lone CR is data.
 */
import type { HeaderField } from "../message/header-fields.js";
import type { ByteScanner } from "../message/byte-scan.js";
import { emitCrlfs, relaxedBody } from "./relaxed-body.js";

/** A canonicalization algorithm name (RFC 6376 §3.4). */
export type Canon = "simple" | "relaxed";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const CRLF = Buffer.from("\r\n");

/**
 * One header field canonicalized, with its trailing CRLF unless `withCrlf` is false (the
 * DKIM-Signature itself is hashed without it, RFC 6376 §3.7).
 * simple (§3.4.1): the field unchanged. relaxed (§3.4.2): lower-case name, unfolded, WSP runs
 * reduced to one SP, WSP at the end of the value and around the colon removed.
 */
export function canonicalizeHeader(field: HeaderField, canon: Canon, withCrlf = true): Buffer {
  if (canon === "simple") return withCrlf ? Buffer.concat([field.raw, CRLF]) : field.raw;
  return Buffer.from(relaxedHeaderText(field, withCrlf), "latin1");
}

/**
 * relaxed header canonicalization (RFC 6376 §3.4.2) of one field as a latin1 string (one char per
 * octet), so that a whole header hash input is built as one string and converted once.
 */
export function relaxedHeaderText(field: HeaderField, withCrlf: boolean): string {
  let value = field.value.toString("latin1");
  // Unfolding removes the CRLF before WSP; any other CR or LF (RFC 5322 forbids them in a field)
  // is removed too, defensively: together, every CR and LF goes.
  if (value.includes("\r") || value.includes("\n")) value = value.replace(/[\r\n]+/g, "");
  if (value.includes("\t") || value.includes("  ")) value = value.replace(/[ \t]+/g, " ");
  const from = value.charCodeAt(0) === SP ? 1 : 0;
  const to =
    value.length > from && value.charCodeAt(value.length - 1) === SP ? value.length - 1 : value.length;
  if (from !== 0 || to !== value.length) value = value.slice(from, to);
  return withCrlf ? `${field.key}:${value}\r\n` : `${field.key}:${value}`;
}

/**
 * The relaxed header hash input (RFC 6376 §3.7 step 2, §5.4.2), as `headerHashInput` in
 * signature.ts builds it for c=relaxed/..., with less bookkeeping: each name in `signedHeaders`
 * (lower-case) takes the bottom-most instance not taken yet, marked in an array (no Map of
 * counts); a name with none left adds nothing (over-signing). Then the
 * signature field (b= emptied) without its final CRLF. Written octet by octet into one Buffer
 * (relaxed output is never longer than key + ":" + value + CRLF), with no intermediate strings.
 */
export function relaxedHeaderHashInput(
  fields: readonly HeaderField[],
  signedHeaders: readonly string[],
  signatureField: HeaderField,
): Buffer {
  const picked = pickSignedFields(fields, signedHeaders);
  let size = signatureField.key.length + 1 + signatureField.value.length;
  for (const f of picked) size += f.key.length + 3 + f.value.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const f of picked) {
    pos = writeRelaxedField(out, pos, f);
    out[pos++] = CR;
    out[pos++] = LF;
  }
  pos = writeRelaxedField(out, pos, signatureField);
  return out.subarray(0, pos);
}

/**
 * The fields `signedHeaders` (lower-case h= names) select, in hash order (RFC 6376 §5.4.2): each
 * name takes the bottom-most instance not taken yet, marked in an array (no Map of counts); a name
 * with none left adds nothing (over-signing).
 */
export function pickSignedFields(
  fields: readonly HeaderField[],
  signedHeaders: readonly string[],
): HeaderField[] {
  const taken: boolean[] = new Array<boolean>(fields.length).fill(false);
  const picked: HeaderField[] = [];
  for (const name of signedHeaders) {
    for (let i = fields.length - 1; i >= 0; i--) {
      if (taken[i] || fields[i]!.key !== name) continue;
      taken[i] = true;
      picked.push(fields[i]!);
      break;
    }
  }
  return picked;
}

/**
 * Writes `field` relaxed (RFC 6376 §3.4.2, as relaxedHeaderText) at `pos` of `out`, without a
 * CRLF; returns the new end. Every CR and LF goes, a WSP run becomes one SP, WSP at the start and
 * end of the value goes (the key is already lower-case, without WSP before the colon).
 */
function writeRelaxedField(out: Buffer, start: number, field: HeaderField): number {
  let pos = start;
  const key = field.key;
  for (let i = 0; i < key.length; i++) out[pos++] = key.charCodeAt(i);
  out[pos++] = 0x3a; // ":"
  const v = field.value;
  const valueStart = pos;
  let wsp = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === SP || c === HTAB) wsp = true;
    else if (c !== CR && c !== LF) {
      if (wsp && pos !== valueStart) out[pos++] = SP;
      wsp = false;
      out[pos++] = c;
    }
  }
  return pos;
}

/** An incremental body canonicalizer: canonical bytes go to the `out` callback as they are known. */
export interface BodyCanonicalizer {
  /**
   * Feeds a piece of the CRLF-normalised body (any split). `scanned`: a SIMD scanner that may
   * hold this chunk already (message-reader's), saving a copy; it never changes the result.
   */
  push(chunk: Buffer, scanned?: ByteScanner): void;
  /** Ends the body and emits what was held back (the final CRLF rules). */
  end(): void;
}

/**
 * simple body canonicalization (RFC 6376 §3.4.3): empty lines at the end are removed and the body
 * ends with exactly one CRLF; an empty body becomes one CRLF. Trailing CRLFs are held back (as a
 * count) until later data shows they are inside the body.
 */
function simpleBody(out: (b: Buffer) => void): BodyCanonicalizer {
  let held = 0; // CRLFs seen after the last data byte
  let heldCr = false; // a CR at the end of the last chunk (maybe the start of a CRLF)
  return {
    push(chunk) {
      if (chunk.length === 0) return;
      let start = 0;
      if (heldCr) {
        heldCr = false;
        if (chunk[0] === LF) {
          held++;
          start = 1;
        } else {
          emitCrlfs(held, out);
          held = 0;
          out(Buffer.from([CR]));
        }
      }
      let i = chunk.length;
      let trailingCr = false;
      if (i > start && chunk[i - 1] === CR) {
        trailingCr = true;
        i--;
      }
      let n = 0;
      while (i - 2 >= start && chunk[i - 2] === CR && chunk[i - 1] === LF) {
        i -= 2;
        n++;
      }
      if (i > start) {
        emitCrlfs(held, out);
        out(chunk.subarray(start, i));
        held = n;
      } else {
        held += n;
      }
      heldCr = trailingCr;
    },
    end() {
      if (heldCr) {
        emitCrlfs(held, out);
        out(Buffer.from([CR]));
      }
      out(CRLF);
    },
  };
}

/**
 * A body canonicalizer for `canon` that passes canonical bytes to `out`. With `transient`, `out`
 * promises to be done with each buffer when it returns (a hash update), which lets the relaxed
 * canonicalizer reuse one scratch buffer; without it, `out` may keep the buffers it is given.
 */
export function createBodyCanonicalizer(
  canon: Canon,
  out: (b: Buffer) => void,
  transient = false,
): BodyCanonicalizer {
  return canon === "simple" ? simpleBody(out) : relaxedBody(out, { transient });
}
