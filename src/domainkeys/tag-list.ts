/**
 * DomainKeys tag=value lists (RFC 4870 §3.3 for the DomainKey-Signature header, §3.2 for the key
 * record). Both are `tag=value` pairs separated by `;`, with folding white space allowed around
 * tags, `=` and `;`.
 */

/** The parsed tags (names lower-cased, values trimmed of surrounding FWS), or why they cannot be read. */
export type TagListResult = { tags: Map<string, string> } | { problem: string };

const FWS = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/**
 * Parses `text` into tags. Returns a problem for a part without `=`, an empty or malformed tag name,
 * or a tag given twice. RFC 4870 does not say what a duplicate tag means; we follow RFC 6376 §3.2
 * (the shared key record is also a DKIM record) and reject it rather than pick one value.
 * An empty part (as after a trailing `;`) is skipped.
 */
export function parseTagList(text: string): TagListResult {
  const tags = new Map<string, string>();
  for (const part of text.split(";")) {
    if (part.replace(FWS, "") === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) return { problem: `"${part.replace(FWS, "")}" is not tag=value` };
    const name = part.slice(0, eq).replace(FWS, "");
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return { problem: `"${name}" is not a valid tag name` };
    const key = name.toLowerCase();
    if (tags.has(key)) return { problem: `tag ${key}= appears twice` };
    tags.set(key, part.slice(eq + 1).replace(FWS, ""));
  }
  return { tags };
}

/** `value` with every SP, HTAB, CR and LF removed (b=, p= and h= may be folded anywhere). */
export function withoutFws(value: string): string {
  return value.replace(/[ \t\r\n]+/g, "");
}
