/**
 * The tokenizer of zone files (RFC 1035 §5.1): entries (one per record; parentheses join lines) of
 * tokens, with `;` comments dropped and the escapes \", \\, \X and \DDD decoded. Pure.
 */

/** Reports a problem at a line; never returns. */
export type Fail = (line: number, problem: string) => never;

/** One token: a character-string or word. */
export interface Token {
  text: string;
  quoted: boolean;
  escaped: boolean;
  line: number;
}
/** One record's tokens; `blankOwner` when its first line starts with a space or tab. */
export interface Entry {
  tokens: Token[];
  blankOwner: boolean;
  line: number;
}

/** Reads one character-string (quoted when `quoted`) starting at `i`; returns the token and the next index. */
function readString(text: string, i: number, quoted: boolean, line: number, fail: Fail): [Token, number] {
  const bytes: number[] = [];
  let escaped = false;
  let j = quoted ? i + 1 : i;
  for (;;) {
    if (j >= text.length) {
      if (quoted) fail(line, "unterminated quoted string");
      break;
    }
    const c = text[j]!;
    if (quoted ? c === '"' : /[ \t\r\n;()"]/.test(c)) break;
    if (quoted && c === "\n") fail(line, "unterminated quoted string (a newline inside quotes)");
    if (c === "\\") {
      escaped = true;
      const digits = /^[0-9]{3}/.exec(text.slice(j + 1, j + 4));
      if (digits) {
        const value = Number(digits[0]);
        if (value > 255) fail(line, `bad escape "\\${digits[0]}" (over 255)`);
        bytes.push(value);
        j += 4;
        continue;
      }
      if (j + 1 >= text.length || text[j + 1] === "\n") fail(line, "a backslash at the end of a line");
      j += 1;
    }
    const cp = text.codePointAt(j)!;
    const ch = String.fromCodePoint(cp);
    bytes.push(...Buffer.from(ch, "utf8"));
    j += ch.length;
  }
  const token = { text: Buffer.from(bytes).toString("utf8"), quoted, escaped, line };
  return [token, quoted ? j + 1 : j];
}

/** Splits the text into entries (one per record, parentheses joining lines) of tokens. */
export function lexZone(text: string, fail: Fail): Entry[] {
  const entries: Entry[] = [];
  let entry: Entry = { tokens: [], blankOwner: false, line: 1 };
  let depth = 0;
  let parenLine = 0;
  let line = 1;
  let atLineStart = true;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (atLineStart && depth === 0) {
      entry = { tokens: [], blankOwner: c === " " || c === "\t", line };
      entries.push(entry);
    }
    atLineStart = false;
    if (c === "\n") {
      line++;
      atLineStart = true;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === ";") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "(") {
      if (depth === 0) parenLine = line;
      depth++;
      i++;
    } else if (c === ")") {
      if (depth === 0) fail(line, 'unbalanced ")"');
      depth--;
      i++;
    } else {
      const [token, next] = readString(text, i, c === '"', line, fail);
      entry.tokens.push(token);
      i = next;
    }
  }
  if (depth > 0) fail(parenLine, 'unclosed "("');
  return entries.filter((e) => e.tokens.length > 0);
}
