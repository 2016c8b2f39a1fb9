/**
 * master.cf as lines (master(5)): an entry starts on a line that begins with non-whitespace text
 * and continues on lines that begin with whitespace. Blank lines and lines whose first
 * non-whitespace character is `#` are ignored and do not end an entry (checked with Postfix 3.7's
 * postconf). Parsing keeps every physical line so that edits leave the rest byte-identical.
 */

/** One master.cf entry with the physical line range it occupies. */
export interface MasterEntry {
  /** service name (field 1), e.g. `smtp`, `127.0.0.1:10026`. */
  name: string;
  /** service type (field 2): inet, unix, unix-dgram, fifo or pass. */
  type: string;
  /** All whitespace-separated words of the logical line. */
  words: string[];
  /** Index of the entry's first physical line. */
  first: number;
  /** Index of its last continuation line (comments after it are not part of it). */
  last: number;
}

/** A `-o name=value` found on a continuation line of its own, which spfdk may edit. */
export interface OptionLine {
  line: number;
  name: string;
  value: string;
}

/** A blank line or a comment: ignored by Postfix, never part of an entry's words. */
export function isIgnoredLine(line: string): boolean {
  const t = line.trim();
  return t === "" || t.startsWith("#");
}

/** Splits text into physical lines; `lines.join("\n")` gives the text back exactly. */
export function splitLines(text: string): string[] {
  return text.split("\n");
}

/** Every entry of a master.cf, in file order. */
export function parseMasterCf(lines: readonly string[]): MasterEntry[] {
  const entries: MasterEntry[] = [];
  let current: MasterEntry | null = null;
  lines.forEach((line, i) => {
    if (isIgnoredLine(line)) return;
    const words = line.trim().split(/\s+/);
    if (/^\s/.test(line)) {
      if (current) {
        current.words.push(...words);
        current.last = i;
      }
      return;
    }
    current = { name: words[0]!, type: words[1] ?? "", words, first: i, last: i };
    entries.push(current);
  });
  return entries;
}

/**
 * The namespace key of a service. inet services are keyed by name; unix, unix-dgram, fifo and pass
 * services share one name space (master(5): they all live under private/ or public/), so the
 * tutorial's `pickup fifo` next to a stock `pickup unix` is the same service, i.e. a duplicate.
 */
export function serviceKey(name: string, type: string): string {
  return type === "inet" ? `inet/${name}` : `local/${name}`;
}

/** The entry with the same namespace key, or undefined. */
export function findService(
  entries: readonly MasterEntry[],
  name: string,
  type: string,
): MasterEntry | undefined {
  const key = serviceKey(name, type);
  return entries.find((e) => serviceKey(e.name, e.type) === key);
}

/** Service keys defined more than once: master reports these only at run time, postconf never. */
export function duplicateServices(entries: readonly MasterEntry[]): string[] {
  const seen = new Map<string, number>();
  for (const e of entries) {
    const k = serviceKey(e.name, e.type);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

/** The `-o name=value` options of an entry, with a flag for those not on an editable line. */
export function entryOptions(
  lines: readonly string[],
  entry: MasterEntry,
): { editable: OptionLine[]; other: string[] } {
  const editable: OptionLine[] = [];
  for (let i = entry.first + 1; i <= entry.last; i++) {
    const m = /^\s+-o\s+([A-Za-z0-9_.-]+)=(\S*)\s*$/.exec(lines[i]!);
    if (m) editable.push({ line: i, name: m[1]!, value: m[2]! });
  }
  // Options written any other way (-o on the first line, several on one line, `-o { a = b }`).
  const other: string[] = [];
  const w = entry.words;
  for (let i = 0; i < w.length - 1; i++) {
    if (w[i] !== "-o") continue;
    const next = w[i + 1]!;
    const name = next === "{" ? (w[i + 2] ?? "") : next.split("=")[0]!;
    other.push(name);
  }
  const editableNames = editable.map((o) => o.name);
  return { editable, other: other.filter((n) => !editableNames.includes(n)) };
}

/** The port of an inet service name such as `127.0.0.1:10026`, `[::1]:10026` or `10026`; else null. */
export function inetPort(name: string): string | null {
  const m = /(?:^|:)(\d+)$/.exec(name);
  return m ? m[1]! : null;
}
