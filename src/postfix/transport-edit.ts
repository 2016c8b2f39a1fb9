/**
 * The transport table (transport(5)) gets one marked block that spfdk owns. Lookup keys are
 * unique in an indexed map (postmap warns about duplicates and keeps one), so a key that the
 * admin already routes is reported as a problem, never silently shadowed. The END line records
 * what `--remove` needs to restore the file exactly: whether spfdk created the file (then the file
 * and its indexed map are removed again when nothing else is in it), the map type, and whether the
 * file had no final newline.
 */
import type { EditResult } from "./master-edit.js";
import { isIgnoredLine, splitLines } from "./master-cf.js";
import { dropAddedFinalNewline, lacksFinalNewline, rebuildLines } from "./markers.js";
import type { TransportSpec } from "./plan.js";

/** First line of spfdk's block. */
export const BLOCK_BEGIN =
  "# BEGIN spfdk postfix-config (`spfdk postfix-config --remove` deletes this block)";
/** Last line of spfdk's block (followed by its JSON data when there is any). */
export const BLOCK_END = "# END spfdk postfix-config";

/** What the END line records. */
export interface TransportBlockData {
  /** spfdk created the file: `--remove` deletes it (and its indexed map) when nothing else is left. */
  created?: boolean;
  /** The map type postmap built the table with (names the indexed file, e.g. `.db` for hash). */
  mapType?: string;
  /** The file had no final newline before spfdk appended its block. */
  noFinalNewline?: boolean;
}

/** The outcome of removing the block: the edit plus what the END line recorded. */
export interface TransportRemoval extends EditResult {
  data: TransportBlockData;
}

function endData(line: string): TransportBlockData | null {
  if (line !== BLOCK_END && !line.startsWith(`${BLOCK_END} `)) return null;
  try {
    const data = JSON.parse(line.slice(BLOCK_END.length).trim() || "{}") as unknown;
    return typeof data === "object" && data !== null && !Array.isArray(data)
      ? (data as TransportBlockData)
      : {};
  } catch {
    return {};
  }
}

/** Removes spfdk's block (if any) from a transport table. */
export function removeTransportBlock(text: string): TransportRemoval {
  const lines = splitLines(text);
  const drop = new Set<number>();
  let inside = false;
  let found = false;
  let data: TransportBlockData = {};
  lines.forEach((line, i) => {
    if (line.startsWith("# BEGIN spfdk postfix-config")) inside = found = true;
    if (!inside) return;
    drop.add(i);
    const end = endData(line);
    if (end) [inside, data] = [false, end];
  });
  const warnings = inside ? ["transport: spfdk's block has no END line; removed everything after BEGIN"] : [];
  if (data.noFinalNewline) dropAddedFinalNewline(lines, drop);
  return {
    text: rebuildLines(lines, { drop }),
    changes: found ? ["removed the spfdk block from the transport table"] : [],
    problems: [],
    warnings,
    data,
  };
}

/** The lookup keys of a transport table's entries (lower case). */
export function transportKeys(lines: readonly string[]): { key: string; line: number }[] {
  return lines
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => !isIgnoredLine(l) && !/^\s/.test(l))
    .map(({ l, i }) => ({ key: l.trim().split(/\s+/)[0]!.toLowerCase(), line: i }));
}

/**
 * Puts spfdk's block at the end of a transport table (replacing an earlier one). `text` is null
 * when the file does not exist yet: spfdk then creates it, and says so in the block.
 */
export function applyTransportBlock(text: string | null, spec: TransportSpec): EditResult {
  const base = removeTransportBlock(text ?? "");
  const lines = splitLines(base.text);
  const wanted = new Set(spec.keys.map((k) => k.toLowerCase()));
  const problems = transportKeys(lines)
    .filter((k) => wanted.has(k.key))
    .map(
      (k) =>
        `transport line ${k.line + 1}: "${k.key}" is already routed there; remove it or drop that --domain`,
    );
  const data: TransportBlockData = {
    ...(text === null || (base.data.created && base.text === "") ? { created: true } : {}),
    mapType: spec.mapType,
    ...(lacksFinalNewline(base.text) ? { noFinalNewline: true } : {}),
  };
  const end = `${BLOCK_END} ${JSON.stringify(data)}`;
  const out = rebuildLines(lines, { append: [BLOCK_BEGIN, ...spec.lines, end] });
  const changes = out === text ? [] : [`transport table: ${spec.keys.join(", ")}`];
  return { text: out, changes, problems, warnings: base.warnings };
}

/**
 * The files postmap builds from a transport table of `mapType` (hash and btree: `.db`; cdb:
 * `.cdb`; lmdb: `.lmdb`; dbm: `.dir` and `.pag`), which `--remove` deletes with a table spfdk created.
 */
export function indexedMapFiles(path: string, mapType: string | undefined): string[] {
  const ext: Record<string, string[]> = {
    hash: [".db"],
    btree: [".db"],
    cdb: [".cdb"],
    lmdb: [".lmdb"],
    dbm: [".dir", ".pag"],
  };
  return (ext[mapType ?? "hash"] ?? []).map((e) => `${path}${e}`);
}
