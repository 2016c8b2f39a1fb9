/**
 * `spfdk postfix-config --postfix-dir DIR --apply | --remove [--dry-run] [--reload]`: reads the live
 * files, computes the edit in the core, validates the edited copy with Postfix in a scratch
 * directory, and only then replaces the originals (timestamped backup first, atomic rename).
 */
import { constants, promises as fsp } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join } from "node:path";
import {
  applyPlan,
  removePlan,
  type ConfigEdit,
  type ConfigFiles,
  type FileEdit,
} from "../postfix/edit-config.js";
import type { Plan } from "../postfix/plan.js";
import { unifiedDiff } from "../postfix/unified-diff.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { backupPathFor, describeFsError, exists, readFileOrFail, writeFileAtomic } from "./files.js";
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
  /** Map type of the transport table (after --remove, the one spfdk recorded wins). */
  mapType: string;
  json: boolean;
}

async function readConfig(dir: string, transportPath: string): Promise<ConfigFiles> {
  for (const f of ["main.cf", "master.cf"]) {
    if (!(await exists(join(dir, f)))) {
      throw new CliError(ExitCode.Usage, `--postfix-dir: ${dir} has no ${f}`);
    }
  }
  // Read as Latin-1 (one character per byte): bytes that are not UTF-8 come back unchanged.
  const text = async (p: string, what: string) => (await readFileOrFail(p, what)).toString("latin1");
  return {
    main: await text(join(dir, "main.cf"), "main.cf"),
    master: await text(join(dir, "master.cf"), "master.cf"),
    transport: (await exists(transportPath)) ? await text(transportPath, "transport table") : null,
    transportFile: transportPath,
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

/**
 * Deletes a transport table spfdk created, with the backup policy: the table and each indexed map
 * built from it (`transport.db`) are renamed to timestamped backups, an atomic rename that loses
 * nothing. Returns the table's backup path and a report line per indexed map moved.
 */
async function deleteTable(path: string, suffixes: readonly string[], now: Date) {
  let backup = "";
  const moved: string[] = [];
  for (const from of [path, ...suffixes.map((x) => `${path}${x}`)]) {
    if (!(await exists(from))) continue;
    const to = await backupPathFor(from, now);
    try {
      await fsp.rename(from, to);
    } catch (err) {
      throw new CliError(ExitCode.Usage, `cannot move ${from} to ${to}: ${describeFsError(err)}`);
    }
    if (from === path) backup = to;
    else moved.push(`moved ${from} (built by postmap) to ${to}`);
  }
  return { backup, moved };
}

async function install(
  ctx: CommandContext,
  edit: ConfigEdit,
  req: ApplyRequest,
  report: ApplyReport,
  transportPath: string,
) {
  const now = ctx.now();
  // A symlinked file (config management) is edited where it points, so the link stays a link.
  const target = new Map<string, string>();
  for (const f of edit.files.filter((x) => x.changed && !x.deleted)) {
    const path = report.files.find((x) => x.file === f.file)!.path;
    const link = (await fsp.lstat(path).catch(() => null))?.isSymbolicLink() ?? false;
    target.set(f.file, link ? await fsp.realpath(path).catch(() => path) : path);
  }
  // Backups, temp files and renames happen beside each file: check every directory first.
  for (const d of new Set([req.dir, ...[...target.values()].map((t) => dirname(t))])) {
    try {
      await fsp.access(d, constants.W_OK);
    } catch (err) {
      const what = d === req.dir ? "--postfix-dir: cannot write in" : "cannot write in";
      throw new CliError(ExitCode.Usage, `${what} ${d} (${describeFsError(err)}); nothing was changed`);
    }
  }
  // The transport table first (with --reload, its map is built before main.cf points at it, so
  // no daemon started in between finds a missing or stale .db), then main.cf, master.cf last.
  const order = ["transport", "main.cf", "master.cf"];
  for (const f of [...edit.files].sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file))) {
    if (f.file === "main.cf" && req.reload && !(await postmap(ctx, req, transportPath, report))) {
      throw new CliError(
        ExitCode.Negative,
        `${report.commands.at(-1)!.command} failed: ${report.commands.at(-1)!.output.split("\n")[0]}; main.cf and master.cf were not changed`,
      );
    }
    if (!f.changed) continue;
    const entry = report.files.find((x) => x.file === f.file)!;
    if (f.deleted) {
      const d = await deleteTable(entry.path, f.indexSuffixes, now);
      [entry.backup, entry.changes] = [d.backup, [...entry.changes, ...d.moved]];
      continue;
    }
    const path = target.get(f.file)!;
    const mode = f.before === null ? 0o644 : (await fsp.stat(path)).mode & 0o777;
    // Latin-1 maps each byte to one character and back, so the admin's bytes survive exactly.
    const data = Buffer.from(f.text, "latin1");
    const w = await writeFileAtomic(path, data, { force: true, now, mode, what: f.file });
    entry.backup = w.backup;
  }
  report.applied = true;
}

async function step(ctx: CommandContext, argv: string[], report: ApplyReport): Promise<boolean> {
  const r: ToolRun = await runTool(argv, ctx.env);
  // `postfix reload` of a stopped instance fails silently (its complaint goes to the mail log).
  const hint = argv[3] === "reload" && /no message$/.test(r.output) ? " (is Postfix running?)" : "";
  report.commands.push({ command: r.command, ok: r.ok, output: `${r.output}${hint}` });
  return r.ok;
}

/**
 * With --reload: runs postmap on the transport table once (after --apply with a table, or after
 * --remove left the admin's own table, so that its map loses spfdk's keys). True when it did not
 * fail.
 */
async function postmap(ctx: CommandContext, req: ApplyRequest, path: string, report: ApplyReport) {
  if (report.commands.some((c) => c.command.startsWith("postmap "))) return true;
  const transportChanged = report.files.some((f) => f.file === "transport" && f.changed);
  const transportLeft = req.mode === "remove" && transportChanged && (await exists(path));
  if (!req.plan?.transport && !transportLeft) return true;
  return step(ctx, ["postmap", "-c", req.dir, `${req.mapType}:${path}`], report);
}

async function reload(ctx: CommandContext, req: ApplyRequest, transportPath: string, report: ApplyReport) {
  if (await postmap(ctx, req, transportPath, report))
    await step(ctx, ["postfix", "-c", req.dir, "reload"], report);
}

function diffOf(f: FileEdit, path: string): string {
  return unifiedDiff(f.before ?? "", f.text, path, f.deleted ? "/dev/null" : `${path} (spfdk)`);
}

/** Latin-1 text (the files' bytes) as the UTF-8 most config files are written in, for display. */
function displayText(latin1: string): string {
  return Buffer.from(latin1, "latin1").toString("utf8");
}

/** Runs an --apply / --remove request and prints its report. Throws CliError(Negative) when refused. */
export async function runApply(ctx: CommandContext, request: ApplyRequest): Promise<void> {
  const transportPath = request.plan?.transport?.file ?? join(request.dir, "transport");
  const files = await readConfig(request.dir, transportPath);
  const edit = request.mode === "apply" ? applyPlan(files, request.plan!) : removePlan(files);
  // After --remove, the admin's table is rebuilt with the map type spfdk's block was built with.
  const recorded = edit.files.find((f) => f.file === "transport")?.mapType;
  const req = { ...request, mapType: (request.mode === "remove" && recorded) || request.mapType };
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
        deleted: f.deleted,
        diff: f.changed ? displayText(diffOf(f, path)) : "",
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
  if (ok && anyChange && !req.dryRun) await install(ctx, edit, req, report, transportPath);
  if (ok && req.reload && !req.dryRun) await reload(ctx, req, transportPath, report);
  if (req.mode === "remove" && edit.files.some((f) => f.file === "master.cf" && f.changed)) {
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
