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
const WSP = /[ \t\r\n]/;

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
    const spec = text.slice(pos, semi);
    if (spec.trim().length > 0) {
      const eq = spec.indexOf("=");
      if (eq < 0) return { problem: { kind: "syntax", detail: `"${spec.trim()}" has no "="` } };
      const name = spec.slice(0, eq).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
      if (!TAG_NAME.test(name)) return { problem: { kind: "syntax", detail: `bad tag name "${name}"` } };
      if (seen.has(name)) return { problem: { kind: "duplicate", tag: name } };
      let vs = pos + eq + 1;
      let ve = semi;
      while (vs < ve && WSP.test(text[vs]!)) vs++;
      while (ve > vs && WSP.test(text[ve - 1]!)) ve--;
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
  return value.replace(/[ \t\r\n]+/g, "");
}

/** Whether a base64 string (already without FWS) is syntactically valid. */
export function isBase64(value: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}
