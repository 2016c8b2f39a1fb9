/**
 * DKIM tag=value lists (RFC 6376 §3.2), used by DKIM-Signature fields, key records and (RFC 4870)
 * DomainKey-Signature fields.
 */

/** One tag as found: its name, its value with surrounding FWS removed, and where the value is. */
export interface Tag {
  name: string;
  value: string;
  /** Offset of the value's first octet in the parsed text (after FWS). */
  valueStart: number;
  /** Offset just after the value's last octet (before FWS and ";"). */
  valueEnd: number;
}

/** Why a tag-list is invalid. */
export type TagListProblem = { kind: "duplicate"; tag: string } | { kind: "syntax"; detail: string };

/** A parsed tag-list: tags in order, and a lookup by name. */
export interface TagList {
  tags: Tag[];
  get(name: string): string | undefined;
  has(name: string): boolean;
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const HAS_FWS = /[ \t\r\n]/;

/** FWS octets (SP, HTAB, CR, LF) as char codes. */
const isFws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/**
 * Whether text[from, to) is empty after String.prototype.trim (the test for an empty tag-spec).
 * Quick for the usual case (a tag name starts at once); otherwise asks trim itself.
 */
function blank(text: string, from: number, to: number): boolean {
  if (from === to) return true;
  const c = text.charCodeAt(from);
  if (c > 0x20 && c < 0x7f) return false;
  return text.slice(from, to).trim().length === 0;
}

/**
 * Parses a tag-list. FWS is allowed around names, "=" and values (§3.2); an empty tag-spec (for
 * example a trailing ";") is ignored. A duplicate tag name is an error (§3.2: "MUST be
 * interpreted as a permanent failure"); tag names are case-sensitive. Unknown tags are kept (callers
 * ignore them). Values keep their internal FWS; callers strip it where the syntax allows it.
 */
export function parseTagList(text: string): TagList | { problem: TagListProblem } {
  const tags: Tag[] = [];
  const seen = new Map<string, string>();
  let pos = 0;
  while (pos <= text.length) {
    let semi = text.indexOf(";", pos);
    if (semi < 0) semi = text.length;
    if (!blank(text, pos, semi)) {
      let eq = text.indexOf("=", pos);
      if (eq < 0 || eq > semi) {
        return { problem: { kind: "syntax", detail: `"${text.slice(pos, semi).trim()}" has no "="` } };
      }
      let ns = pos;
      let ne = eq;
      while (ns < ne && isFws(text.charCodeAt(ns))) ns++;
      while (ne > ns && isFws(text.charCodeAt(ne - 1))) ne--;
      const name = text.slice(ns, ne);
      if (!TAG_NAME.test(name)) return { problem: { kind: "syntax", detail: `bad tag name "${name}"` } };
      if (seen.has(name)) return { problem: { kind: "duplicate", tag: name } };
      let vs = ++eq;
      let ve = semi;
      while (vs < ve && isFws(text.charCodeAt(vs))) vs++;
      while (ve > vs && isFws(text.charCodeAt(ve - 1))) ve--;
      const value = text.slice(vs, ve);
      seen.set(name, value);
      tags.push({ name, value, valueStart: vs, valueEnd: ve });
    }
    pos = semi + 1;
  }
  return { tags, get: (n) => seen.get(n), has: (n) => seen.has(n) };
}

/** Removes all FWS (SP, HTAB, CR, LF) from a value: base64 in b=, bh= and p= may be folded (§3.5). */
export function stripFws(value: string): string {
  return HAS_FWS.test(value) ? value.replace(/[ \t\r\n]+/g, "") : value;
}

/** Whether a base64 string (already without FWS) is syntactically valid. */
export function isBase64(value: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}
