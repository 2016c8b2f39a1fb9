/**
 * `spfdk postfix-config --postfix-dir DIR --apply | --remove [--dry-run] [--reload]`: reads the live
 * files, computes the edit in the core, validates the edited copy with Postfix in a scratch
 * directory, and only then replaces the originals (timestamped backup first, atomic rename).
 */
import { constants, promises as fsp } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { applyPlan, removePlan, type ConfigEdit, type ConfigFiles } from "../postfix/edit-config.js";
import type { Plan } from "../postfix/plan.js";
import { unifiedDiff } from "../postfix/unified-diff.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { describeFsError, exists, readFileOrFail, writeFileAtomic } from "./files.js";
import { renderApplyText, type ApplyReport } from "./postfix-output.js";
import {
  postfixInstalled,
  problemLines,
  runTool,
  validateWithPostfix,
  type ToolRun,
} from "./postfix-tools.js";
import { makeStyle } from "./style.js";

/** What the command asked for. */
export interface ApplyRequest {
  dir: string;
  mode: "apply" | "remove";
  /** The plan to apply (null for --remove). */
  plan: Plan | null;
  dryRun: boolean;
  reload: boolean;
  /** Map type of the transport table (for postmap after --remove). */
  mapType: string;
  json: boolean;
}

async function readConfig(dir: string, transportPath: string): Promise<ConfigFiles> {
  for (const f of ["main.cf", "master.cf"]) {
    if (!(await exists(join(dir, f)))) {
      throw new CliError(ExitCode.Usage, `--postfix-dir: ${dir} has no ${f}`);
    }
  }
  const text = async (p: string, what: string) => (await readFileOrFail(p, what)).toString("utf8");
  return {
    main: await text(join(dir, "main.cf"), "main.cf"),
    master: await text(join(dir, "master.cf"), "master.cf"),
    transport: (await exists(transportPath)) ? await text(transportPath, "transport table") : null,
  };
}

function pathOf(dir: string, transportPath: string, file: string): string {
  return file === "transport" ? transportPath : join(dir, file);
}

async function validate(
  ctx: CommandContext,
  edit: ConfigEdit,
  original: ConfigFiles,
  req: ApplyRequest,
  report: ApplyReport,
) {
  if (!(await postfixInstalled(ctx.env))) {
    report.warnings.push("Postfix is not installed here (no postconf): the edited files were not validated");
    return;
  }
  const text = (f: string) => edit.files.find((x) => x.file === f)?.text;
  const transport = text("transport");
  const files = { main: text("main.cf")!, master: text("master.cf")!, transport: transport ?? null };
  const mapType = req.plan?.transport?.mapType ?? null;
  const checks = await validateWithPostfix(files, transport ? mapType : null, ctx.env, userInfo().uid === 0);
  report.validation = { ran: true, ok: checks.every((c) => c.ok), checks };
  if (!report.validation.ok) {
    // Say which complaints the current configuration already has: spfdk refuses those too.
    const before = await validateWithPostfix(original, null, ctx.env, false);
    const old = new Set(before.flatMap(problemLines));
    const inherited = checks.flatMap(problemLines).filter((l) => old.has(l));
    for (const l of inherited)
      report.warnings.push(`already in the current configuration, fix it first: ${l}`);
  }
  if (userInfo().uid !== 0)
    report.warnings.push("not root: `postfix check` was skipped (postfix needs root)");
}

async function install(ctx: CommandContext, edit: ConfigEdit, req: ApplyRequest, report: ApplyReport) {
  const now = ctx.now();
  // Backups, temp files and renames all happen in DIR: check it once, before the first write.
  try {
    await fsp.access(req.dir, constants.W_OK);
  } catch (err) {
    throw new CliError(
      ExitCode.Usage,
      `--postfix-dir: cannot write in ${req.dir} (${describeFsError(err)}); nothing was changed`,
    );
  }
  // The transport table first, main.cf (which points at it) next, master.cf last.
  const order = ["transport", "main.cf", "master.cf"];
  for (const f of [...edit.files].sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file))) {
    if (!f.changed) continue;
    const entry = report.files.find((x) => x.file === f.file)!;
    const mode = f.before === null ? 0o644 : (await fsp.stat(entry.path)).mode & 0o777;
    const w = await writeFileAtomic(entry.path, f.text, { force: true, now, mode, what: f.file });
    entry.backup = w.backup;
  }
  report.applied = true;
}

async function reload(ctx: CommandContext, req: ApplyRequest, transportPath: string, report: ApplyReport) {
  const steps: string[][] = [];
  // After --remove the table may still be the admin's: rebuild it so the .db loses spfdk's keys.
  const transportChanged = report.files.some((f) => f.file === "transport" && f.changed);
  const transportLeft = req.mode === "remove" && transportChanged && (await exists(transportPath));
  if (req.plan?.transport || transportLeft)
    steps.push(["postmap", "-c", req.dir, `${req.mapType}:${transportPath}`]);
  steps.push(["postfix", "-c", req.dir, "reload"]);
  for (const argv of steps) {
    const r: ToolRun = await runTool(argv, ctx.env);
    report.commands.push({ command: r.command, ok: r.ok, output: r.output });
    if (!r.ok) break;
  }
}

/** Runs an --apply / --remove request and prints its report. Throws CliError(Negative) when refused. */
export async function runApply(ctx: CommandContext, req: ApplyRequest): Promise<void> {
  const transportPath = req.plan?.transport?.file ?? join(req.dir, "transport");
  const files = await readConfig(req.dir, transportPath);
  const edit = req.mode === "apply" ? applyPlan(files, req.plan!) : removePlan(files);
  const report: ApplyReport = {
    mode: req.mode,
    dryRun: req.dryRun,
    postfixDir: req.dir,
    files: edit.files.map((f) => {
      const path = pathOf(req.dir, transportPath, f.file);
      return {
        file: f.file,
        path,
        changed: f.changed,
        backup: null,
        changes: f.changed ? f.changes : [],
        diff: f.changed ? unifiedDiff(f.before ?? "", f.text, `${path}`, `${path} (spfdk)`) : "",
      };
    }),
    validation: { ran: false, ok: true, checks: [] },
    commands: [],
    warnings: [...edit.warnings],
    problems: [...edit.problems],
    applied: false,
  };
  const anyChange = edit.files.some((f) => f.changed);
  if (anyChange && report.problems.length === 0) await validate(ctx, edit, files, req, report);
  const ok = report.problems.length === 0 && report.validation.ok;
  if (ok && anyChange && !req.dryRun) await install(ctx, edit, req, report);
  if (ok && req.reload && !req.dryRun) await reload(ctx, req, transportPath, report);
  if (req.mode === "remove" && anyChange) {
    report.warnings.push(
      "queued mail may still carry content_filter records: run `postsuper -r ALL` after the reload (FILTER_README)",
    );
  }
  if (req.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else ctx.stdout(renderApplyText(report, makeStyle(ctx.color())));
  if (!ok) {
    const failed = report.validation.checks.find((c) => !c.ok);
    const first =
      report.problems[0] ?? `Postfix rejected the edited copy: ${failed ? problemLines(failed)[0] : ""}`;
    throw new CliError(ExitCode.Negative, `nothing was changed: ${first}`);
  }
  const failed = report.commands.find((c) => !c.ok);
  if (failed)
    throw new CliError(ExitCode.Negative, `${failed.command} failed: ${failed.output.split("\n")[0] ?? ""}`);
}
