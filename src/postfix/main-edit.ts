/**
 * Applies and removes spfdk's main.cf parameters (postconf(5) syntax: `name = value`, continued on
 * lines that start with whitespace; comment and blank lines are ignored). A parameter that exists
 * with another value is replaced in place and its original lines are kept in the marker.
 */
import type { EditResult } from "./master-edit.js";
import { isIgnoredLine, splitLines } from "./master-cf.js";
import { descriptionLines, lacksFinalNewline, markerLine, rebuildLines, removeMarked } from "./markers.js";
import type { ParamSpec } from "./plan.js";

/** One `name = value` logical line of main.cf. */
export interface MainParam {
  name: string;
  /** The value with continuation lines joined by one space. */
  value: string;
  first: number;
  last: number;
}

/** Every parameter line of a main.cf, in file order (a later line overrides an earlier one). */
export function parseMainCf(lines: readonly string[]): MainParam[] {
  const out: MainParam[] = [];
  let current: MainParam | null = null;
  lines.forEach((line, i) => {
    if (isIgnoredLine(line)) return;
    if (/^\s/.test(line)) {
      if (current) {
        current.value = `${current.value} ${line.trim()}`.trim();
        current.last = i;
      }
      return;
    }
    const m = /^([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    current = m ? { name: m[1]!, value: m[2]!, first: i, last: i } : null;
    if (current) out.push(current);
  });
  return out;
}

/** The effective value of `name` (its last definition), or undefined when main.cf does not set it. */
export function mainValue(text: string, name: string): string | undefined {
  return parseMainCf(splitLines(text))
    .filter((p) => p.name === name)
    .pop()?.value;
}

/** The parameters whose value names the file `path` (as `type:path` or the bare path). */
export function paramsUsing(text: string, path: string): string[] {
  const uses = (v: string) => v.split(/[\s,]+/).some((t) => t === path || t.endsWith(`:${path}`));
  return [
    ...new Set(
      parseMainCf(splitLines(text))
        .filter((p) => uses(p.value))
        .map((p) => p.name),
    ),
  ];
}

/** Takes spfdk's parameters out of a main.cf, restoring the lines they replaced. */
export function removeMainEdits(text: string): EditResult {
  const lines = splitLines(text);
  const params = parseMainCf(lines);
  const drop = new Set<number>();
  const replace = new Map<number, string[]>();
  const changes: string[] = [];
  const warnings: string[] = [];
  removeMarked(lines, drop, (i, marker) => {
    const param = params.find((p) => p.first === i + 1);
    if ("error" in marker || !param || param.name !== marker.key) {
      warnings.push(`main.cf line ${i + 1}: stray or damaged spfdk marker; removed the marker only`);
      return;
    }
    const was = marker.data.was?.[param.name];
    const wrote = marker.data.set?.[param.name];
    if (wrote !== undefined && param.value !== wrote) {
      const before = was === undefined ? "" : ` (before spfdk: ${splitLines(was).join(" ").trim()})`;
      warnings.push(`main.cf: ${param.name} was edited after spfdk set it; kept as it is${before}`);
      changes.push(`kept your edited ${param.name} (dropped spfdk's marker)`);
      return;
    }
    for (let j = param.first; j <= param.last; j++) drop.add(j);
    if (!marker.data.created && was !== undefined) {
      drop.delete(param.first);
      replace.set(param.first, splitLines(was));
      changes.push(`restored ${param.name}`);
    } else {
      changes.push(`removed ${param.name}`);
    }
  });
  return { text: rebuildLines(lines, { drop, replace }), changes, problems: [], warnings };
}

/** Sets `specs` in a main.cf after removing earlier spfdk edits, so a second run changes nothing. */
export function applyMainEdits(text: string, specs: readonly ParamSpec[]): EditResult {
  const base = removeMainEdits(text);
  const lines = splitLines(base.text);
  const params = parseMainCf(lines);
  const drop = new Set<number>();
  const replace = new Map<number, string[]>();
  const append: string[] = [];
  const changes: string[] = [];
  const warnings = [...base.warnings];
  for (const spec of specs) {
    const current = params.filter((p) => p.name === spec.name).pop();
    const line = `${spec.name} = ${spec.value}`;
    if (!current) {
      // The first appended entry records a missing final newline (see dropAddedFinalNewline).
      const eof = append.length === 0 && lacksFinalNewline(base.text) ? { noFinalNewline: true } : {};
      append.push(
        ...descriptionLines(spec.description),
        markerLine(spec.name, { created: true, set: { [spec.name]: spec.value.trim() }, ...eof }),
        line,
      );
      changes.push(`set ${line}`);
      continue;
    }
    if (current.value === spec.value.trim()) continue;
    const original = lines.slice(current.first, current.last + 1).join("\n");
    const block = [
      ...descriptionLines(spec.description),
      markerLine(spec.name, { was: { [spec.name]: original }, set: { [spec.name]: spec.value.trim() } }),
    ];
    replace.set(current.first, [...block, line]);
    for (let j = current.first + 1; j <= current.last; j++) drop.add(j);
    changes.push(`change ${spec.name} from "${current.value}" to "${spec.value}"`);
    if (current.value !== "")
      warnings.push(`main.cf: ${spec.name} was "${current.value}"; --remove puts it back`);
  }
  return { text: rebuildLines(lines, { drop, replace, append }), changes, problems: [], warnings };
}
