/**
 * Runs Postfix's own tools for `spfdk postfix-config`: validation of an edited copy in a scratch
 * directory, postmap and reload. Postfix reports many mistakes (unknown parameters, unknown `-o`
 * names, postmap format errors) as `warning:` with exit status 0, so every check fails on a
 * non-zero exit OR on any `warning:` / `fatal:` in its output (see ../shared/notes/postfix-sandbox.md).
 */
import { execFile } from "node:child_process";
import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigFiles } from "../postfix/edit-config.js";

/** The result of one tool run. */
export interface ToolRun {
  command: string;
  ok: boolean;
  /** What the tool wrote to stderr, trimmed. */
  output: string;
}

/** PATH with the sbin directories where Debian installs postconf, postfix and postmap. */
export function toolPath(env: Readonly<Record<string, string | undefined>>): string {
  return [env.PATH ?? "/usr/bin:/bin", "/usr/sbin", "/usr/local/sbin", "/sbin"].join(":");
}

/**
 * Runs `argv` and returns its stderr; `ok` is false on a non-zero exit, a failure to start, or a
 * `warning:`/`fatal:`/`panic:` anywhere in stderr.
 */
export function runTool(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 60000,
): Promise<ToolRun & { missing: boolean }> {
  const command = argv.join(" ");
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { env: { ...env, PATH: toolPath(env) }, timeout: timeoutMs, encoding: "utf8" },
      (err, _stdout, stderr) => {
        // Postfix tools report on stderr; stdout (postconf -n) may legitimately contain any text.
        const missing = (err as NodeJS.ErrnoException | null)?.code === "ENOENT";
        const code = (err as { code?: unknown } | null)?.code;
        const silent = typeof code === "number" ? `exit status ${code}, no message` : (err?.message ?? "");
        const output = stderr.trim() || (err && !missing ? silent : "");
        const ok = !err && !/\b(warning|fatal|panic):/.test(output);
        resolve({ command, ok, output: missing ? `${argv[0]}: not found` : output, missing });
      },
    );
  });
}

const SILENT_POSTFIX =
  " (postfix reports why only to a terminal or the mail log: run `postfix check` in a terminal to see it)";

/** Whether Postfix's postconf can be run here. */
export async function postfixInstalled(env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  const r = await runTool(["postconf", "-d", "mail_version"], env, 20000);
  return !r.missing && r.ok;
}

/** The lines of a tool's output worth showing (warnings and fatals first). */
export function problemLines(run: ToolRun): string[] {
  const lines = run.output.split("\n").filter((l) => l.trim() !== "");
  const bad = [...new Set(lines.filter((l) => /\b(warning|fatal|panic):/.test(l)))];
  return bad.length > 0 ? bad : lines.slice(-3);
}

/**
 * Validates edited files with the real Postfix: writes them to a fresh scratch directory and runs
 * `postconf -c S -n`, `postconf -c S -M`, `postfix -c S check` (root only: postfix refuses other
 * users) and, for a transport table, `postmap -c S TYPE:S/transport`. Returns every run; the scratch
 * directory is always removed. Touches nothing in the real configuration directory.
 */
export async function validateWithPostfix(
  files: ConfigFiles,
  mapType: string | null,
  env: Readonly<Record<string, string | undefined>>,
  isRoot: boolean,
): Promise<ToolRun[]> {
  const scratch = await fsp.mkdtemp(join(tmpdir(), "spfdk-validate-"));
  // Postfix re-reads a main.cf or map source until it is 2 s old (it may still be being written),
  // so the copies get an old mtime: validation then takes milliseconds instead of ~2.5 s. The texts
  // are Latin-1 strings of the files' bytes (see postfix-apply.ts), written back byte for byte.
  const settled = new Date(Date.now() - 60_000);
  const write = async (name: string, text: string) => {
    await fsp.writeFile(join(scratch, name), text, { mode: 0o644, encoding: "latin1" });
    await fsp.utimes(join(scratch, name), settled, settled);
  };
  try {
    await write("main.cf", files.main);
    await write("master.cf", files.master);
    const runs: ToolRun[] = [];
    const run = async (argv: string[]) => {
      const r = await runTool(argv, env);
      // postfix(1) writes its complaints only to a terminal or to the mail log.
      const hint = argv[0] === "postfix" && /no message$/.test(r.output) ? SILENT_POSTFIX : "";
      runs.push({
        command: r.command.replaceAll(scratch, "COPY"),
        ok: r.ok,
        output: `${r.output.replaceAll(scratch, "COPY")}${hint}`,
      });
      return r.ok;
    };
    const passed =
      (await run(["postconf", "-c", scratch, "-n"])) && (await run(["postconf", "-c", scratch, "-M"]));
    if (passed && isRoot) await run(["postfix", "-c", scratch, "check"]);
    if (files.transport !== null && mapType !== null) {
      await write("transport", files.transport);
      await run(["postmap", "-c", scratch, `${mapType}:${join(scratch, "transport")}`]);
    }
    return runs;
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true });
  }
}
