/**
 * Writing a DKIM-Signature field: tag order and folding (RFC 6376 §3.5; RFC 5322 §2.2.3 folding).
 * The layout matters: with "simple" header canonicalization the folding is part of what is signed.
 */

/** How the field is laid out. */
export interface SignatureLayout {
  /** Tag order: a list (tags not in it follow, in the order given) or "alphabetical". b= is always last. */
  order?: readonly string[] | "alphabetical";
  /** Longest line, in octets (default 78, RFC 5322 §2.1.1's SHOULD). */
  width?: number;
  /** Whether "DKIM-Signature:" counts towards the first line's width (default true). */
  countFieldName?: boolean;
  /** Separator between h= names (default ":"; RFC 6376's examples use " : "). */
  headerSeparator?: string;
}

/** spfdk's default tag order: what the signature claims first, then what it covers, b= last. */
export const DEFAULT_TAG_ORDER = ["v", "a", "c", "d", "s", "i", "q", "t", "x", "l", "h", "bh"] as const;

export const DKIM_SIGNATURE_NAME = "DKIM-Signature";

/** Orders tags by the layout; b= is left out (see {@link formatSignatureField}). */
function orderTags(tags: ReadonlyMap<string, string>, layout: SignatureLayout): [string, string][] {
  const entries = [...tags].filter(([k]) => k !== "b");
  if (layout.order === "alphabetical") return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const order = layout.order ?? DEFAULT_TAG_ORDER;
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  return entries.sort(([a], [b]) => rank(a) - rank(b));
}

/**
 * Formats the field (name, colon, tags, CRLF folding, no final CRLF) with `b=` last, on its own
 * line, holding `b` folded at the width. Tags are never split, except h= (at its separators) and
 * the base64 of b= and bh= (FWS is allowed inside them, RFC 6376 §3.5). With `b = ""` this is
 * exactly the field as hashed (§3.7); the signature is then put in without changing anything else.
 */
export function formatSignatureField(
  tags: ReadonlyMap<string, string>,
  b: string,
  layout: SignatureLayout = {},
): string {
  const width = layout.width ?? 78;
  const start = `${DKIM_SIGNATURE_NAME}:`;
  const lines: string[] = [];
  let line = start;
  let offset = layout.countFieldName === false ? line.length : 0;
  const fits = (piece: string) => line.length - offset + piece.length <= width;
  // Appends `glue + piece`, folding first when it would pass the width (never before the first tag).
  const add = (piece: string, glue = " ") => {
    if (!fits(glue + piece) && line !== start) {
      lines.push(line);
      line = ` ${piece}`;
      offset = 0;
    } else line += glue + piece;
  };
  const sep = layout.headerSeparator ?? ":";
  for (const [k, v] of orderTags(tags, layout)) {
    const whole = `${k}=${k === "h" ? v.split(":").join(sep) : v};`;
    if (k !== "h" || whole.length + 1 <= width) {
      add(whole);
      continue;
    }
    // An h= longer than a line is folded before a ":" (FWS is allowed there, RFC 6376 §3.5).
    const names = v.split(":");
    names.forEach((n, i) => {
      const last = i === names.length - 1 ? ";" : "";
      if (i === 0) add(`h=${n}${last}`);
      else add(`${sep.trimStart()}${n}${last}`, sep.startsWith(" ") ? " " : "");
    });
  }
  lines.push(line);
  // b= on its own line, its value cut at the width.
  const firstRoom = Math.max(1, width - 3);
  lines.push(` b=${b.slice(0, firstRoom)}`);
  for (let i = firstRoom; i < b.length; i += width - 1) lines.push(` ${b.slice(i, i + width - 1)}`);
  return lines.join("\r\n");
}
