/**
 * spfdk marks what it owns in main.cf and master.cf with one comment line right above the entry:
 * `# spfdk-owned NAME/TYPE {"created":true}` for an entry it added, or
 * `# spfdk-owned NAME/TYPE {"added":[...],"was":{param: original line}}` for an admin's entry it
 * changed. Description comments written with it start with `# spfdk: `. The JSON is what makes
 * `--remove` exact: it says which lines to delete and which original lines to put back, and what
 * spfdk wrote, so that a line the admin has edited since is left alone.
 */
import { createHash } from "node:crypto";

/** What a marker records. */
export interface MarkerData {
  /** The whole entry was added by spfdk. */
  created?: boolean;
  /** Options (master.cf) that spfdk appended to an existing entry. */
  added?: string[];
  /** The original physical line(s), keyed by option or parameter name, that spfdk replaced. */
  was?: Record<string, string>;
  /**
   * The values spfdk wrote, by parameter or option name. A value the admin has changed since is
   * theirs: `--remove` keeps it (and says so) instead of deleting it or putting the old one back.
   */
  set?: Record<string, string>;
  /** For an entry spfdk added: a digest of its lines as written (an edited entry is kept). */
  digest?: string;
  /**
   * The file did not end with a newline when spfdk appended this entry, so spfdk had to add one
   * after the admin's last line; `--remove` takes it away again.
   */
  noFinalNewline?: boolean;
}

const MARKER = /^# spfdk-owned (\S+)(?: (.*?))?\s*$/;
const DESCRIPTION_PREFIX = "# spfdk: ";

/** A short digest of an entry's lines (not a security measure: it only notices edits). */
export function linesDigest(lines: readonly string[]): string {
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
}

/** The marker comment for `key` (e.g. `pickup/unix`, `transport_maps`). */
export function markerLine(key: string, data: MarkerData): string {
  return `# spfdk-owned ${key} ${JSON.stringify(data)}`;
}

/** Description comment lines for an entry spfdk writes. */
export function descriptionLines(description: readonly string[]): string[] {
  return description.map((d) => `${DESCRIPTION_PREFIX}${d.replace(/^spfdk postfix-config: /, "")}`.trimEnd());
}

/** The key and data of a marker line; null for any other line; `{error}` for a damaged marker. */
export function readMarker(line: string): { key: string; data: MarkerData } | { error: string } | null {
  const m = MARKER.exec(line);
  if (!m) return null;
  try {
    const data = JSON.parse(m[2] ?? "") as unknown;
    if (typeof data !== "object" || data === null || Array.isArray(data)) return { error: "not an object" };
    return { key: m[1]!, data: data as MarkerData };
  } catch {
    return { error: "unreadable JSON" };
  }
}

/** Whether appending lines to `text` means adding a newline after its last line (it has none). */
export function lacksFinalNewline(text: string): boolean {
  return text !== "" && !text.endsWith("\n");
}

/**
 * For `--remove` of a block appended to a file that had no final newline (`noFinalNewline`): when
 * the lines being dropped are the end of the file, also drops the newline spfdk added, so the file
 * comes back byte for byte. When the admin has written lines after spfdk's block since, the file
 * keeps its final newline (those lines need it).
 */
export function dropAddedFinalNewline(lines: readonly string[], drop: Set<number>): void {
  const n = lines.length;
  if (n < 2 || lines[n - 1] !== "" || !drop.has(n - 2)) return;
  let kept = n - 2;
  while (kept >= 0 && drop.has(kept)) kept--;
  if (kept >= 0) drop.add(n - 1);
}

/**
 * The common part of `--remove` for main.cf and master.cf: for every marker line, drops it and the
 * description lines above it, then lets `visit` drop or restore the entry it marks. Finally drops
 * the final newline spfdk had to add (a marker with `noFinalNewline`), if spfdk's lines were last.
 */
export function removeMarked(
  lines: readonly string[],
  drop: Set<number>,
  visit: (i: number, marker: { key: string; data: MarkerData } | { error: string }) => void,
): void {
  let addedNewline = false;
  lines.forEach((line, i) => {
    const marker = readMarker(line);
    if (marker === null) return;
    drop.add(i);
    for (const j of descriptionAbove(lines, i)) drop.add(j);
    if (!("error" in marker) && marker.data.noFinalNewline) addedNewline = true;
    visit(i, marker);
  });
  if (addedNewline) dropAddedFinalNewline(lines, drop);
}

/** Indexes of the `# spfdk: ` description lines directly above line `i`. */
export function descriptionAbove(lines: readonly string[], i: number): number[] {
  const out: number[] = [];
  for (let j = i - 1; j >= 0 && lines[j]!.startsWith(DESCRIPTION_PREFIX.trimEnd()); j--) out.push(j);
  return out;
}

/**
 * Rebuilds a file from its lines with edits: lines to drop, lines replaced (by one or more lines),
 * lines inserted before or after a given index, and lines appended at the end (before the final
 * newline). Untouched lines are copied byte for byte.
 */
export function rebuildLines(
  lines: readonly string[],
  edits: {
    drop?: ReadonlySet<number>;
    replace?: ReadonlyMap<number, string[]>;
    before?: ReadonlyMap<number, string[]>;
    after?: ReadonlyMap<number, string[]>;
    append?: readonly string[];
  },
): string {
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(...(edits.before?.get(i) ?? []));
    if (!edits.drop?.has(i)) out.push(...(edits.replace?.get(i) ?? [line]));
    out.push(...(edits.after?.get(i) ?? []));
  });
  const append = edits.append ?? [];
  if (append.length > 0) {
    // A file ends with "\n", so its last element is "": insert before it (or add a newline first).
    if (out.length > 0 && out[out.length - 1] === "") out.splice(out.length - 1, 0, ...append);
    else out.push(...append, "");
  }
  return out.join("\n");
}
