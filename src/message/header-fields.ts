/**
 * RFC 5322 header fields as bytes. A field keeps its exact bytes (name, colon, value and any folding
 * CRLFs), because DKIM "simple" and DomainKeys "simple" canonicalization sign them unchanged.
 */

/** One header field. */
export interface HeaderField {
  /** The field name as written (before the colon, without trailing white space). */
  name: string;
  /** The lower-cased name, for case-insensitive matching (RFC 5322 §1.2.2). */
  key: string;
  /** The whole field: name, colon, value, internal folding; without the final CRLF. */
  raw: Buffer;
  /** The bytes after the colon (still folded), without the final CRLF. */
  value: Buffer;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

/** Why a header block cannot be read, or null. */
export type HeaderProblem = { kind: "no-colon"; line: number } | { kind: "starts-with-continuation" };

/**
 * Splits a CRLF header block (everything before the empty line, with or without the last CRLF)
 * into fields. A line starting with SP or HTAB continues the previous field. Returns a problem
 * instead of fields when a line has no colon or the block starts with a continuation line.
 */
export function parseHeaderFields(block: Buffer): { fields: HeaderField[] } | { problem: HeaderProblem } {
  // One latin1 string of the block (one char per octet): the line and colon searches and the name
  // checks run on it, and each field costs two Buffer views and nothing else.
  const text = block.toString("latin1");
  const fields: HeaderField[] = [];
  const n = text.length;
  let start = 0;
  let lineNo = 0;
  let fieldStart = -1;
  let lastFieldEnd = 0;
  while (start < n) {
    let end = text.indexOf("\n", start);
    const next = end < 0 ? n : end + 1;
    if (end < 0) end = n;
    const lineEnd = end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end;
    lineNo++;
    const first = text.charCodeAt(start);
    if (first === SP || first === HTAB) {
      if (fieldStart < 0) return { problem: { kind: "starts-with-continuation" } };
    } else {
      if (fieldStart >= 0) {
        const p = pushField(fields, block, text, fieldStart, lastFieldEnd);
        if (!p) return { problem: { kind: "no-colon", line: lineNo } };
      }
      fieldStart = start;
    }
    lastFieldEnd = lineEnd;
    start = next;
  }
  if (fieldStart >= 0 && !pushField(fields, block, text, fieldStart, lastFieldEnd)) {
    return { problem: { kind: "no-colon", line: lineNo } };
  }
  return { fields };
}

/**
 * Adds the field text[from, to) (block holds the same octets) to `fields`; false when it has no
 * colon or its name (without trailing WSP) is empty or has a control, SP or non-ASCII octet.
 */
function pushField(fields: HeaderField[], block: Buffer, text: string, from: number, to: number): boolean {
  const colon = text.indexOf(":", from);
  if (colon <= from || colon >= to) return false;
  let nameEnd = colon;
  while (nameEnd > from) {
    const c = text.charCodeAt(nameEnd - 1);
    if (c !== SP && c !== HTAB) break;
    nameEnd--;
  }
  if (nameEnd === from) return false;
  for (let i = from; i < nameEnd; i++) {
    const c = text.charCodeAt(i);
    if (c <= SP || c >= 0x7f) return false;
  }
  const name = text.slice(from, nameEnd);
  const raw = block.subarray(from, to);
  fields.push({ name, key: name.toLowerCase(), raw, value: raw.subarray(colon + 1 - from) });
  return true;
}

/** The field's value unfolded (CRLFs before WSP removed), as a latin1 string. */
export function unfoldedValue(field: HeaderField): string {
  return field.value.toString("latin1").replace(/\r?\n(?=[ \t])/g, "");
}

/**
 * Converts bare LF line endings to CRLF (a CR already before an LF is kept). Used once, at input,
 * for messages from Maildir, mbox or editors. Returns the same buffer when nothing changes.
 */
export function lfToCrlf(buf: Buffer): Buffer {
  let count = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === LF && (i === 0 || buf[i - 1] !== CR)) count++;
  if (count === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + count);
  let j = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === LF && (i === 0 || buf[i - 1] !== CR)) out[j++] = CR;
    out[j++] = b;
  }
  return out;
}
