/** Text and JSON rendering for `spfdk postfix-config` (no logic about Postfix itself). */
import type { Plan } from "../postfix/plan.js";
import type { Style } from "./style.js";
import type { ToolRun } from "./postfix-tools.js";

const FILE_TITLES = { "master.cf": "master.cf", "main.cf": "main.cf", transport: "transport table" } as const;

/** The print mode's text: every snippet under a heading, then notes and the follow-up commands. */
export function renderPlanText(plan: Plan, notes: readonly string[], configDir: string, s: Style): string {
  const out: string[] = [];
  for (const sn of plan.snippets) {
    const where = sn.file === "transport" ? `${configDir}/transport` : `${configDir}/${sn.file}`;
    out.push(
      s.heading(`### ${sn.part}: ${FILE_TITLES[sn.file]} (${where})`),
      sn.text.replace(/\n+$/, ""),
      "",
    );
  }
  if (plan.parts.includes("pickup")) {
    const c = configDir === "/etc/postfix" ? "" : ` -c ${configDir}`;
    const filter = plan.services.find((x) => x.part === "pickup")?.options[0]?.value ?? "";
    out.push(
      s.warn("Note: pickup already exists in master.cf; add the -o line to that entry, or run:"),
      `  postconf${c} -P 'pickup/unix/content_filter=${filter}'`,
      "",
    );
  }
  for (const n of notes) out.push(s.dim(`Note: ${n}`));
  if (notes.length > 0) out.push("");
  out.push(s.heading("Then run:"), ...plan.commands.map((c) => `  ${c}`));
  if (plan.filters.length > 0) {
    out.push(
      "",
      s.heading("And start the filters (one long-running process each; docs/filter.md):"),
      ...plan.filters.map((c) => `  ${c}`),
    );
  }
  out.push(
    "",
    s.dim(`Or let spfdk edit the files: spfdk postfix-config ... --postfix-dir ${configDir} --apply`),
  );
  return `${out.join("\n")}\n`;
}

/** The print mode's JSON: the structured edits. */
export function planJson(plan: Plan, notes: readonly string[]) {
  return {
    parts: plan.parts,
    notes,
    mainCf: plan.params.map((p) => ({
      part: p.part,
      name: p.name,
      value: p.value,
      description: p.description,
    })),
    masterCf: plan.services.map((x) => ({
      part: x.part,
      service: x.name,
      type: x.type,
      entry: x.lines,
      options: x.options,
      description: x.description,
    })),
    transport: plan.transport && {
      file: plan.transport.file,
      mapType: plan.transport.mapType,
      lines: plan.transport.lines,
    },
    snippets: plan.snippets,
    commands: plan.commands,
    filters: plan.filters,
  };
}

/** What an --apply / --remove run did, for text and JSON. */
export interface ApplyReport {
  mode: "apply" | "remove";
  dryRun: boolean;
  postfixDir: string;
  files: {
    file: string;
    path: string;
    changed: boolean;
    /** The file was (or, with --dry-run, would be) deleted: a transport table spfdk created. */
    deleted: boolean;
    backup: string | null;
    changes: string[];
    diff: string;
  }[];
  validation: { ran: boolean; ok: boolean; checks: ToolRun[] };
  commands: ToolRun[];
  warnings: string[];
  problems: string[];
  applied: boolean;
}

/** The text report of an --apply / --remove / --dry-run run. */
export function renderApplyText(r: ApplyReport, s: Style): string {
  const out: string[] = [];
  const changed = r.files.filter((f) => f.changed);
  if (r.dryRun) {
    for (const f of changed) out.push(f.diff.replace(/\n$/, ""));
    out.push(changed.length ? s.dim("(dry run: nothing was written)") : "Nothing to change.");
  } else if (changed.length === 0) {
    out.push(s.ok(`Nothing to change: ${r.postfixDir} already matches.`));
  } else if (r.applied) {
    for (const f of changed) {
      const verb = f.deleted ? "Removed" : "Updated";
      out.push(s.ok(`${verb} ${f.path}`) + (f.backup ? ` (backup: ${f.backup})` : ""));
      for (const c of f.changes) out.push(`  ${c}`);
    }
  }
  if (r.validation.ran) {
    const failed = r.validation.checks.filter((c) => !c.ok);
    out.push(
      failed.length === 0
        ? s.ok("Validated with Postfix: " + r.validation.checks.map((c) => c.command).join("; "))
        : s.bad("Postfix rejected the edited copy:"),
    );
    for (const c of failed) out.push(`  ${c.command}:`, ...c.output.split("\n").map((l) => `    ${l}`));
  }
  for (const c of r.commands)
    out.push((c.ok ? s.ok("Ran: ") : s.bad("Failed: ")) + c.command + (c.ok ? "" : `\n    ${c.output}`));
  for (const p of r.problems) out.push(s.bad(`Problem: ${p}`));
  for (const w of r.warnings) out.push(s.warn(`Warning: ${w}`));
  return `${out.join("\n")}\n`;
}
