/**
 * DomainKeys tag=value lists (RFC 4870 §3.3 for the DomainKey-Signature header, §3.2 for the key
 * record). The syntax is DKIM's (RFC 6376 §3.2), so this is a thin layer over src/dkim/tag-list.ts
 * that gives DomainKeys' view: names compared case-insensitively (as Mail::DKIM does) and values
 * in a Map.
 */
import { parseTagList as parseDkimTagList, stripFws } from "../dkim/tag-list.js";

/** The parsed tags (names lower-cased, values trimmed of surrounding FWS), or why they cannot be read. */
export type TagListResult = { tags: Map<string, string> } | { problem: string };

/**
 * Parses `text` into tags. Returns a problem for a part without `=`, an empty or malformed tag name,
 * or a tag given twice (in any case). RFC 4870 does not say what a duplicate tag means; we follow
 * RFC 6376 §3.2 (the shared key record is also a DKIM record) and reject it rather than pick one value.
 * An empty part (as after a trailing `;`) is skipped.
 */
export function parseTagList(text: string): TagListResult {
  const parsed = parseDkimTagList(text);
  if ("problem" in parsed) {
    const p = parsed.problem;
    return { problem: p.kind === "duplicate" ? `tag ${p.tag.toLowerCase()}= appears twice` : p.detail };
  }
  const tags = new Map<string, string>();
  for (const t of parsed.tags) {
    const key = t.name.toLowerCase();
    if (tags.has(key)) return { problem: `tag ${key}= appears twice` };
    tags.set(key, t.value);
  }
  return { tags };
}

/** `value` with every SP, HTAB, CR and LF removed (b=, p= and h= may be folded anywhere). */
export const withoutFws = stripFws;
