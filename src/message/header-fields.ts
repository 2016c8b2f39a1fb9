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
const COLON = 0x3a;

/** Why a header block cannot be read, or null. */
export type HeaderProblem = { kind: "no-colon"; line: number } | { kind: "starts-with-continuation" };

/**
 * Splits a CRLF header block (everything before the empty line, with or without the last CRLF)
 * into fields. A line starting with SP or HTAB continues the previous field. Returns a problem
 * instead of fields when a line has no colon or the block starts with a continuation line.
 */
export function parseHeaderFields(block: Buffer): { fields: HeaderField[] } | { problem: HeaderProblem } {
  const fields: HeaderField[] = [];
  let start = 0;
  let lineNo = 0;
  let fieldStart = -1;
  let lastFieldEnd = 0;
  const close = (end: number): HeaderProblem | null => {
    if (fieldStart < 0) return null;
    const raw = block.subarray(fieldStart, end);
    const colon = raw.indexOf(COLON);
    if (colon <= 0) return { kind: "no-colon", line: lineNo };
    const name = raw
      .subarray(0, colon)
      .toString("latin1")
      .replace(/[ \t]+$/, "");
    if (name.length === 0 || /[\x00-\x20\x7f-\xff]/.test(name)) return { kind: "no-colon", line: lineNo };
    fields.push({ name, key: name.toLowerCase(), raw, value: raw.subarray(colon + 1) });
    return null;
  };
  while (start < block.length) {
    let end = block.indexOf(LF, start);
    const next = end < 0 ? block.length : end + 1;
    if (end < 0) end = block.length;
    const lineEnd = end > start && block[end - 1] === CR ? end - 1 : end;
    lineNo++;
    const first = block[start];
    if (first === SP || first === HTAB) {
      if (fieldStart < 0) return { problem: { kind: "starts-with-continuation" } };
    } else {
      const p = close(lastFieldEnd);
      if (p) return { problem: p };
      fieldStart = start;
    }
    lastFieldEnd = lineEnd;
    start = next;
  }
  const p = close(lastFieldEnd);
  if (p) return { problem: p };
  return { fields };
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
