/**
 * Applies or removes a whole plan on the three files (main.cf, master.cf, transport) at once, and
 * adds the checks that span files (relayhost next to transport_maps).
 */
import { applyMainEdits, mainValue, paramsUsing, removeMainEdits } from "./main-edit.js";
import { applyMasterEdits, removeMasterEdits, type EditResult } from "./master-edit.js";
import type { Plan } from "./plan.js";
import {
  applyTransportBlock,
  indexedMapFiles,
  removeTransportBlock,
  type TransportRemoval,
} from "./transport-edit.js";

/** The three files as text; `transport` is null when the file does not exist. */
export interface ConfigFiles {
  main: string;
  master: string;
  transport: string | null;
  /**
   * The transport table's path. A table spfdk created is only deleted when the edited main.cf no
   * longer names this path (the admin may have added it to a list of their own).
   */
  transportFile?: string;
}

/** One file's outcome. */
export interface FileEdit extends EditResult {
  file: "main.cf" | "master.cf" | "transport";
  /** Text before the edit (null: the file did not exist). */
  before: string | null;
  /** Whether the text differs from `before` (the only honest "changed"). */
  changed: boolean;
  /**
   * The file is to be deleted, not written: a transport table that spfdk created and that holds
   * nothing else once spfdk's block is gone. `text` is then "".
   */
  deleted: boolean;
  /** Files postmap built from it (e.g. `transport.db`) that go with a deleted table, by suffix. */
  indexSuffixes: string[];
  /** For the transport table: the map type its spfdk block was built with (from the END line). */
  mapType?: string;
}

/** The outcome for all files; it may be installed only when `problems` is empty. */
export interface ConfigEdit {
  files: FileEdit[];
  problems: string[];
  warnings: string[];
}

function fileEdit(file: FileEdit["file"], before: string | null, r: EditResult): FileEdit {
  return { file, before, ...r, changed: r.text !== (before ?? ""), deleted: false, indexSuffixes: [] };
}

/**
 * The transport table without spfdk's block; deleted when spfdk created it, nothing else is left,
 * and the edited main.cf (`mainAfter`) no longer uses it.
 */
function transportRemoval(before: string, mainAfter: string, path: string | undefined): FileEdit {
  const r: TransportRemoval = removeTransportBlock(before);
  const edit = {
    ...fileEdit("transport", before, r),
    ...(r.data.mapType ? { mapType: r.data.mapType } : {}),
  };
  if (!r.data.created || r.text !== "") return edit;
  const users = path === undefined ? [] : paramsUsing(mainAfter, path);
  if (users.length > 0) {
    const kept = `transport: main.cf still uses the table spfdk created (${users.join(", ")}), so it is kept, empty`;
    return { ...edit, warnings: [...edit.warnings, kept] };
  }
  const suffixes = indexedMapFiles("", r.data.mapType);
  return {
    ...edit,
    changed: true,
    deleted: true,
    indexSuffixes: suffixes,
    changes: ["removed the transport table spfdk created (nothing else was in it)"],
  };
}

function collect(files: FileEdit[], extraWarnings: string[] = []): ConfigEdit {
  return {
    files,
    problems: files.flatMap((f) => f.problems),
    warnings: [...files.flatMap((f) => f.warnings), ...extraWarnings],
  };
}

/**
 * Applies `plan` to `files`. Idempotent: applying to its own output changes nothing. Warns when
 * main.cf sets relayhost while the transport part routes mail (the original how-to: "do not specify
 * a relayhost in main.cf, or else mail for internal destinations will still be given to the
 * relayhost").
 */
export function applyPlan(files: ConfigFiles, plan: Plan): ConfigEdit {
  const out: FileEdit[] = [
    fileEdit("main.cf", files.main, applyMainEdits(files.main, plan.params)),
    fileEdit("master.cf", files.master, applyMasterEdits(files.master, plan.services)),
  ];
  if (plan.transport) {
    out.push(fileEdit("transport", files.transport, applyTransportBlock(files.transport, plan.transport)));
  } else if (files.transport !== null) {
    out.push(transportRemoval(files.transport, out[0]!.text, files.transportFile));
  }
  const warnings: string[] = [];
  const relayhost = mainValue(files.main, "relayhost");
  if (plan.transport && relayhost !== undefined && relayhost !== "") {
    warnings.push(
      `main.cf sets relayhost = ${relayhost}: mail for your own domains would still go to it; remove relayhost when routing with the transport table`,
    );
  }
  return collect(out, warnings);
}

/** Removes every spfdk edit from `files`, restoring what spfdk replaced. */
export function removePlan(files: ConfigFiles): ConfigEdit {
  const out: FileEdit[] = [
    fileEdit("main.cf", files.main, removeMainEdits(files.main)),
    fileEdit("master.cf", files.master, removeMasterEdits(files.master)),
  ];
  if (files.transport !== null)
    out.push(transportRemoval(files.transport, out[0]!.text, files.transportFile));
  return collect(out);
}
