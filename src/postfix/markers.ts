/**
 * spfdk marks what it owns in main.cf and master.cf with one comment line right above the entry:
 * `# spfdk-owned NAME/TYPE {"created":true}` for an entry it added, or
 * `# spfdk-owned NAME/TYPE {"added":[...],"was":{param: original line}}` for an admin's entry it
 * changed. Description comments written with it start with `# spfdk: `. The JSON is what makes
 * `--remove` exact: it says which lines to delete and which original lines to put back.
 */

/** What a marker records. */
export interface MarkerData {
  /** The whole entry was added by spfdk. */
  created?: boolean;
  /** Options (master.cf) that spfdk appended to an existing entry. */
  added?: string[];
  /** The original physical line(s), keyed by option or parameter name, that spfdk replaced. */
  was?: Record<string, string>;
}

const MARKER = /^# spfdk-owned (\S+)(?: (.*?))?\s*$/;
const DESCRIPTION_PREFIX = "# spfdk: ";

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
