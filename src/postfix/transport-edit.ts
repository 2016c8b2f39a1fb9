/**
 * The transport table (transport(5)) gets one marked block that spfdk owns. Lookup keys are
 * unique in an indexed map (postmap warns about duplicates and keeps one), so a key that the
 * admin already routes is reported as a problem, never silently shadowed.
 */
import type { EditResult } from "./master-edit.js";
import { isIgnoredLine, splitLines } from "./master-cf.js";
import { rebuildLines } from "./markers.js";
import type { TransportSpec } from "./plan.js";

/** First line of spfdk's block. */
export const BLOCK_BEGIN =
  "# BEGIN spfdk postfix-config (`spfdk postfix-config --remove` deletes this block)";
/** Last line of spfdk's block. */
export const BLOCK_END = "# END spfdk postfix-config";

/** Removes spfdk's block (if any) from a transport table. */
export function removeTransportBlock(text: string): EditResult {
  const lines = splitLines(text);
  const drop = new Set<number>();
  let inside = false;
  let found = false;
  lines.forEach((line, i) => {
    if (line.startsWith("# BEGIN spfdk postfix-config")) inside = found = true;
    if (inside) drop.add(i);
    if (line === BLOCK_END) inside = false;
  });
  const warnings = inside ? ["transport: spfdk's block has no END line; removed everything after BEGIN"] : [];
  return {
    text: rebuildLines(lines, { drop }),
    changes: found ? ["removed the spfdk block from the transport table"] : [],
    problems: [],
    warnings,
  };
}

/** The lookup keys of a transport table's entries (lower case). */
export function transportKeys(lines: readonly string[]): { key: string; line: number }[] {
  return lines
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => !isIgnoredLine(l) && !/^\s/.test(l))
    .map(({ l, i }) => ({ key: l.trim().split(/\s+/)[0]!.toLowerCase(), line: i }));
}

/** Puts spfdk's block at the end of a transport table (replacing an earlier one). */
export function applyTransportBlock(text: string, spec: TransportSpec): EditResult {
  const base = removeTransportBlock(text);
  const lines = splitLines(base.text);
  const wanted = new Set(spec.keys.map((k) => k.toLowerCase()));
  const problems = transportKeys(lines)
    .filter((k) => wanted.has(k.key))
    .map(
      (k) =>
        `transport line ${k.line + 1}: "${k.key}" is already routed there; remove it or drop that --domain`,
    );
  const out = rebuildLines(lines, { append: [BLOCK_BEGIN, ...spec.lines, BLOCK_END] });
  const changes = out === text ? [] : [`transport table: ${spec.keys.join(", ")}`];
  return { text: out, changes, problems, warnings: base.warnings };
}
