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
  serviceKey,
  parseMasterCf,
  splitLines,
  type MasterEntry,
  type OptionLine,
} from "./master-cf.js";
import {
  descriptionLines,
  lacksFinalNewline,
  linesDigest,
  markerLine,
  rebuildLines,
  removeMarked,
  type MarkerData,
} from "./markers.js";
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
  removeMarked(lines, drop, (i, marker) => {
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
      const digest = marker.data.digest;
      if (digest !== undefined && linesDigest(lines.slice(entry.first, entry.last + 1)) !== digest) {
        warnings.push(`master.cf: service ${marker.key} was edited after spfdk added it; kept as it is`);
        changes.push(`kept your edited service ${marker.key} (dropped spfdk's marker)`);
        return;
      }
      for (let j = entry.first; j <= entry.last; j++) drop.add(j);
      changes.push(`removed service ${marker.key}`);
      return;
    }
    warnings.push(...restoreOptions(lines, entry, marker.data, drop, replace));
    changes.push(`restored service ${marker.key}`);
  });
  return { text: rebuildLines(lines, { drop, replace }), changes, problems: [], warnings };
}

/**
 * Takes spfdk's `-o` lines out of an admin's entry: drops those it added and puts back those it
 * replaced, on the line it wrote (the last one of that name, as Postfix uses the last). A line whose
 * value is no longer the one spfdk wrote (`set`) has been edited by the admin and is kept.
 */
function restoreOptions(
  lines: readonly string[],
  entry: MasterEntry,
  data: MarkerData,
  drop: Set<number>,
  replace: Map<number, string[]>,
): string[] {
  const last = new Map<string, OptionLine>();
  for (const o of entryOptions(lines, entry).editable) last.set(o.name, o);
  const warnings: string[] = [];
  const was = data.was ?? {};
  for (const name of [...(data.added ?? []), ...Object.keys(was)]) {
    const o = last.get(name);
    const wrote = data.set?.[name];
    if (o === undefined || (wrote !== undefined && o.value !== wrote)) {
      warnings.push(
        `master.cf: ${entry.name}/${entry.type} -o ${name} was edited after spfdk set it; kept as it is`,
      );
    } else if (Object.hasOwn(was, name)) replace.set(o.line, splitLines(was[name]!));
    else drop.add(o.line);
  }
  return warnings;
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
 * edit, port clash, a service it edits defined twice already, a new duplicate service,
 * content_filter naming an undefined transport) instead of guessing.
 */
export function applyMasterEdits(text: string, specs: readonly ServiceSpec[]): EditResult {
  const base = removeMasterEdits(text);
  const lines = splitLines(base.text);
  const entries = parseMasterCf(lines);
  const edits: LineEdits = { before: new Map(), after: new Map(), replace: new Map(), append: [] };
  const problems: string[] = [];
  const changes: string[] = [];
  const warnings: string[] = [];
  for (const spec of specs) {
    const same = entries.filter((e) => serviceKey(e.name, e.type) === serviceKey(spec.name, spec.type));
    if (same.length > 1) {
      // Postfix uses the last one and only warns at run time; which one the admin meant is a guess.
      problems.push(
        `master.cf defines ${spec.name} ${same.length} times (lines ${same.map((e) => e.first + 1).join(", ")}) and Postfix uses only the last; remove the extra entries and run spfdk again`,
      );
      continue;
    }
    const entry = same[0];
    if (entry) {
      const r = mergeIntoEntry(lines, entry, spec, edits);
      problems.push(...r.problems);
      changes.push(...r.changes);
      warnings.push(...mappingWarning(lines, entry, spec));
      continue;
    }
    problems.push(...portClashes(entries, spec));
    const key = `${spec.name}/${spec.type}`;
    // The first appended entry records a missing final newline (see dropAddedFinalNewline).
    const eof = edits.append.length === 0 && lacksFinalNewline(base.text) ? { noFinalNewline: true } : {};
    edits.append.push(
      ...descriptionLines(spec.description),
      markerLine(key, { created: true, digest: linesDigest(spec.lines), ...eof }),
      ...spec.lines,
    );
    changes.push(`add service ${key}`);
  }
  const out = rebuildLines(lines, edits);
  problems.push(...newDuplicates(base.text, out), ...missingTransports(out, specs));
  return { text: out, changes, problems, warnings: [...base.warnings, ...warnings] };
}

/**
 * The how-to puts `receive_override_options=no_address_mappings` on submission. With spfdk's
 * return smtpd also skipping mappings (so that they never change signed headers), submitted mail
 * would get no canonical mapping or masquerading at all: say so, as the admin's line is theirs.
 */
function mappingWarning(lines: readonly string[], entry: MasterEntry, spec: ServiceSpec): string[] {
  if (!spec.options.some((o) => o.name === "content_filter" && o.value !== "")) return [];
  const ro = entryOptions(lines, entry).editable.filter((o) => o.name === "receive_override_options");
  if (!ro.some((o) => o.value.split(",").includes("no_address_mappings"))) return [];
  return [
    `master.cf line ${ro[0]!.line + 1}: ${entry.name} skips address mappings and so does spfdk's return smtpd, so canonical maps and masquerading never apply to submitted mail; remove no_address_mappings there to map before signing`,
  ];
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
  const runs = entry.words[7]; // master(5) field 8: the command
  const want = spec.lines[0]?.trim().split(/\s+/)[7];
  if (runs !== undefined && want !== undefined && runs !== want) {
    const hint =
      runs === "postscreen"
        ? " (behind postscreen the filter belongs on `smtpd pass`, which spfdk does not edit)"
        : "";
    return {
      problems: [
        `master.cf line ${entry.first + 1}: ${key} runs ${runs}, not ${want}, so spfdk's -o options would have no effect there${hint}`,
      ],
      changes: [],
    };
  }
  const { editable, other } = entryOptions(lines, entry);
  const problems: string[] = [];
  const changes: string[] = [];
  const added: string[] = [];
  const was: Record<string, string> = {};
  const set: Record<string, string> = {};
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
      set[opt.name] = opt.value;
      changes.push(`${key}: add -o ${opt.name}=${opt.value}`);
    } else if (existing.value !== opt.value) {
      const original = lines[existing.line]!;
      edits.replace.set(existing.line, [`${/^\s+/.exec(original)![0]}-o ${opt.name}=${opt.value}`]);
      was[opt.name] = original;
      set[opt.name] = opt.value;
      changes.push(`${key}: change -o ${opt.name}=${existing.value} to ${opt.value}`);
    }
  }
  if (added.length > 0 || Object.keys(was).length > 0) {
    const data = { ...(added.length ? { added } : {}), ...(Object.keys(was).length ? { was } : {}), set };
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
