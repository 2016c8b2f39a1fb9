/**
 * Applies and removes spfdk's master.cf edits. Only the entries spfdk owns change: a missing
 * service is appended whole; an existing one (the admin's `smtp`, `pickup`, `submission`) keeps its
 * columns and gets only the `-o` lines spfdk needs, the replaced originals being kept in the
 * marker so that `--remove` can put them back byte for byte.
 */
import {
  duplicateServices,
  entryOptions,
  findService,
  inetPort,
  parseMasterCf,
  splitLines,
  type MasterEntry,
} from "./master-cf.js";
import { descriptionAbove, descriptionLines, markerLine, readMarker, rebuildLines } from "./markers.js";
import type { ServiceSpec } from "./plan.js";

/** The outcome of an edit: the new text, what changed, and why it cannot be applied (if so). */
export interface EditResult {
  text: string;
  /** One line per change, for the report. */
  changes: string[];
  /** Reasons the edit must not be installed; empty when it may be. */
  problems: string[];
  /** Things the admin should know that do not stop the edit. */
  warnings: string[];
}

/** Takes every spfdk-owned change out of a master.cf, restoring the lines it replaced. */
export function removeMasterEdits(text: string): EditResult {
  const lines = splitLines(text);
  const entries = parseMasterCf(lines);
  const drop = new Set<number>();
  const replace = new Map<number, string[]>();
  const changes: string[] = [];
  const warnings: string[] = [];
  lines.forEach((line, i) => {
    const marker = readMarker(line);
    if (marker === null) return;
    drop.add(i);
    for (const j of descriptionAbove(lines, i)) drop.add(j);
    if ("error" in marker) {
      warnings.push(
        `master.cf line ${i + 1}: damaged spfdk marker (${marker.error}); removed the marker only`,
      );
      return;
    }
    const entry = entries.find((e) => e.first === i + 1);
    if (!entry || `${entry.name}/${entry.type}` !== marker.key) {
      warnings.push(
        `master.cf line ${i + 1}: the spfdk marker for ${marker.key} is not followed by that service; removed the marker only`,
      );
      return;
    }
    if (marker.data.created) {
      for (let j = entry.first; j <= entry.last; j++) drop.add(j);
      changes.push(`removed service ${marker.key}`);
      return;
    }
    const added = marker.data.added ?? [];
    const was = marker.data.was ?? {};
    for (const o of entryOptions(lines, entry).editable) {
      if (added.includes(o.name)) drop.add(o.line);
      else if (Object.hasOwn(was, o.name)) replace.set(o.line, splitLines(was[o.name]!));
    }
    changes.push(`restored service ${marker.key}`);
  });
  return { text: rebuildLines(lines, { drop, replace }), changes, problems: [], warnings };
}

function portClashes(entries: readonly MasterEntry[], spec: ServiceSpec): string[] {
  const port = spec.type === "inet" ? inetPort(spec.name) : null;
  if (port === null) return [];
  return entries
    .filter((e) => e.type === "inet" && inetPort(e.name) === port)
    .map(
      (e) =>
        `master.cf line ${e.first + 1}: service ${e.name} already uses port ${port}, which spfdk needs for ${spec.name}; choose another port`,
    );
}

/**
 * Applies `specs` to a master.cf: first removes earlier spfdk edits (so running it twice changes
 * nothing), then adds what is missing. Reports problems (option written in a form spfdk does not
 * edit, port clash, new duplicate service, content_filter naming an undefined transport) instead
 * of guessing.
 */
export function applyMasterEdits(text: string, specs: readonly ServiceSpec[]): EditResult {
  const base = removeMasterEdits(text);
  const lines = splitLines(base.text);
  const entries = parseMasterCf(lines);
  const edits: LineEdits = { before: new Map(), after: new Map(), replace: new Map(), append: [] };
  const problems: string[] = [];
  const changes: string[] = [];
  for (const spec of specs) {
    const entry = findService(entries, spec.name, spec.type);
    if (entry) {
      const r = mergeIntoEntry(lines, entry, spec, edits);
      problems.push(...r.problems);
      changes.push(...r.changes);
      continue;
    }
    problems.push(...portClashes(entries, spec));
    const key = `${spec.name}/${spec.type}`;
    edits.append.push(
      ...descriptionLines(spec.description),
      markerLine(key, { created: true }),
      ...spec.lines,
    );
    changes.push(`add service ${key}`);
  }
  const out = rebuildLines(lines, edits);
  problems.push(...newDuplicates(base.text, out), ...missingTransports(out, specs));
  return { text: out, changes, problems, warnings: base.warnings };
}

interface LineEdits {
  before: Map<number, string[]>;
  after: Map<number, string[]>;
  replace: Map<number, string[]>;
  append: string[];
}

/**
 * Sets a spec's `-o` options on an admin's existing entry: appends missing ones after its last
 * line, rewrites differing ones in place (keeping their indentation), and records both in a marker
 * above the entry. Its columns and every other line stay as they are.
 */
function mergeIntoEntry(
  lines: readonly string[],
  entry: MasterEntry,
  spec: ServiceSpec,
  edits: LineEdits,
): { problems: string[]; changes: string[] } {
  const key = `${entry.name}/${entry.type}`;
  const { editable, other } = entryOptions(lines, entry);
  const problems: string[] = [];
  const changes: string[] = [];
  const added: string[] = [];
  const was: Record<string, string> = {};
  const newLines: string[] = [];
  for (const opt of spec.options) {
    if (other.includes(opt.name)) {
      problems.push(
        `master.cf line ${entry.first + 1}: ${key} sets -o ${opt.name} in a form spfdk does not edit; put "-o ${opt.name}=..." on a line of its own`,
      );
      continue;
    }
    const existing = editable.filter((o) => o.name === opt.name).pop(); // the last one wins
    if (!existing) {
      newLines.push(`  -o ${opt.name}=${opt.value}`);
      added.push(opt.name);
      changes.push(`${key}: add -o ${opt.name}=${opt.value}`);
    } else if (existing.value !== opt.value) {
      const original = lines[existing.line]!;
      edits.replace.set(existing.line, [`${/^\s+/.exec(original)![0]}-o ${opt.name}=${opt.value}`]);
      was[opt.name] = original;
      changes.push(`${key}: change -o ${opt.name}=${existing.value} to ${opt.value}`);
    }
  }
  if (added.length > 0 || Object.keys(was).length > 0) {
    const data = { ...(added.length ? { added } : {}), ...(Object.keys(was).length ? { was } : {}) };
    edits.before.set(entry.first, [...descriptionLines(spec.description), markerLine(key, data)]);
    edits.after.set(entry.last, newLines);
  }
  return { problems, changes };
}

function newDuplicates(beforeText: string, afterText: string): string[] {
  const old = new Set(duplicateServices(parseMasterCf(splitLines(beforeText))));
  return duplicateServices(parseMasterCf(splitLines(afterText)))
    .filter((k) => !old.has(k))
    .map(
      (k) =>
        `master.cf would define ${k.replace(/^(inet|local)\//, "")} twice (Postfix would ignore one of them)`,
    );
}

function missingTransports(text: string, specs: readonly ServiceSpec[]): string[] {
  const entries = parseMasterCf(splitLines(text));
  const out: string[] = [];
  for (const spec of specs) {
    for (const o of spec.options) {
      const transport = o.name === "content_filter" && o.value !== "" ? o.value.split(":")[0]! : null;
      if (transport && !findService(entries, transport, "unix")) {
        out.push(
          `${spec.name}/${spec.type} would use content_filter transport ${transport}, which master.cf does not define (apply --outbound too)`,
        );
      }
    }
  }
  return out;
}
