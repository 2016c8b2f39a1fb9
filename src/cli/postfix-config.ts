import { promises as fsp } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { PARTS, PostfixOptionsSchema, resolveParts, type Part } from "../postfix/options.js";
import { buildPlan, TEMPLATE_FILES, type Templates } from "../postfix/plan.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { collect } from "./flag-rules.js";
import { parseFlags } from "./flags.js";
import { runApply } from "./postfix-apply.js";
import { planJson, renderPlanText } from "./postfix-output.js";
import { makeStyle } from "./style.js";

const ModeFlags = z
  .object({
    inbound: z.boolean().default(false),
    outbound: z.boolean().default(false),
    pickup: z.boolean().default(false),
    transport: z.boolean().default(false),
    debug: z.boolean().default(false),
    postfixDir: z.string().min(1, { message: "must not be empty" }).optional(),
    apply: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    remove: z.boolean().default(false),
    reload: z.boolean().default(false),
    json: z.boolean().default(false),
  })
  .superRefine((f, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message });
    if ((f.apply || f.dryRun || f.remove) && f.postfixDir === undefined) {
      problem("postfixDir", `required by ${f.remove ? "--remove" : f.apply ? "--apply" : "--dry-run"}`);
    } else if (f.apply && f.remove) problem("remove", "cannot be combined with --apply");
    else if (f.reload && !(f.apply || f.remove)) problem("reload", "needs --apply or --remove");
    else if (f.reload && f.dryRun) problem("reload", "cannot be combined with --dry-run");
  });

/** The template files, read from templates/ beside src/ and dist/ (two levels above this file). */
async function readTemplates(): Promise<Templates> {
  const base = new URL("../../templates/", import.meta.url);
  const entries = await Promise.all(
    TEMPLATE_FILES.map(async (f) => [f, await fsp.readFile(new URL(f, base), "utf8")] as const),
  );
  return Object.fromEntries(entries) as unknown as Templates;
}

/** `spfdk postfix-config`: render the Postfix wiring, or apply / remove it on a config directory. */
export function makeCommand(ctx: CommandContext): Command {
  return new Command("postfix-config")
    .description("render the Postfix wiring for the spfdk filters, or apply it safely to main.cf/master.cf")
    .option("--inbound", "part: verify incoming mail (before-queue proxy on the smtp service)")
    .option("--outbound", "part: sign outgoing mail (submission + after-queue content filter)")
    .option("--pickup", "part: sign locally submitted mail (content_filter on pickup)")
    .option("--transport", "part: relay through --gateway with a transport table")
    .option("--debug", "part: debug_peer_level / debug_peer_list")
    .option("--filter-host <ip>", "address the filters listen on", "127.0.0.1")
    .option("--in-filter-port <port>", "verifying filter (smtpd_proxy_filter)", "10025")
    .option("--in-return-port <port>", "after-filter smtpd for verified mail", "10026")
    .option("--out-filter-port <port>", "signing filter (content_filter)", "10027")
    .option("--out-return-port <port>", "return smtpd for signed mail", "10028")
    .option("--smtp-service <name>", "public inet service that gets the proxy filter", "smtp")
    .option("--submission-service <name>", "inet service for submission", "submission")
    .option("--sign-transport <name>", "master.cf transport that feeds the signer", "dksign")
    .option("--connection-limit <n>", "smtpd_client_connection_count_limit on the public service", "10")
    .option("--filter-processes <n>", "process limit of the signing transport and its return smtpd", "10")
    .option("--no-sasl", "submission without SASL authentication (mynetworks only)")
    .option(
      "--mime <mode>",
      "8-bit workaround: discard-8bitmime (tutorial) or no-conversion",
      "discard-8bitmime",
    )
    .option("--domain <domain>", "local domain kept on the default transport (repeatable)", collect)
    .option("--gateway <host[:port]>", "relay for everything else (rendered as smtp:[host]:port)")
    .option("--map-type <type>", "transport map type", "hash")
    .option("--debug-peer <peer>", "host, address or network in debug_peer_list (repeatable)", collect)
    .option("--debug-level <n>", "debug_peer_level", "2")
    .option("--postfix-dir <dir>", "Postfix configuration directory (with main.cf and master.cf)")
    .option("--apply", "edit main.cf, master.cf and transport in --postfix-dir (backups first)")
    .option("--dry-run", "print the unified diff of --apply (or --remove); write nothing")
    .option("--remove", "take spfdk's entries out again, restoring what it changed")
    .option("--reload", "after --apply/--remove: postmap the transport table and run postfix reload")
    .option("--json", "machine-readable output")
    .addHelpText(
      "after",
      `
Parts: all by default (transport and debug only when their inputs are given).

Examples:
  spfdk postfix-config --outbound --pickup
  spfdk postfix-config --transport --domain my.domain --gateway smtp.isp.example
  spfdk postfix-config --postfix-dir /etc/postfix --apply --dry-run
  spfdk postfix-config --postfix-dir /etc/postfix --apply --reload
  spfdk postfix-config --postfix-dir /etc/postfix --remove --reload`,
    )
    .action(async (raw: unknown) => {
      const mode = parseFlags(ModeFlags, raw);
      const opts = parseFlags(PostfixOptionsSchema, raw);
      const explicit: Part[] = PARTS.filter((p) => mode[p]);
      const resolved = resolveParts(explicit, opts);
      if ("flag" in resolved) throw new CliError(ExitCode.Usage, `${resolved.flag}: ${resolved.message}`);
      const dir = mode.postfixDir === undefined ? "/etc/postfix" : resolve(ctx.cwd, mode.postfixDir);
      // The path is written into transport_maps, where Postfix splits on spaces and commas and
      // expands $names; the files are edited as bytes, so it must also be plain ASCII.
      if (resolved.parts.includes("transport") && /[^\x21-\x7e]|[,$]/.test(dir)) {
        throw new CliError(
          ExitCode.Usage,
          `--postfix-dir: "${dir}" goes into transport_maps, so it must be ASCII without spaces, commas or $`,
        );
      }
      const plan = buildPlan(opts, resolved.parts, await readTemplates(), dir);
      if (mode.apply || mode.remove || mode.dryRun) {
        await runApply(ctx, {
          dir,
          mode: mode.remove ? "remove" : "apply",
          plan: mode.remove ? null : plan,
          dryRun: mode.dryRun,
          reload: mode.reload,
          mapType: opts.mapType,
          json: mode.json,
        });
        return;
      }
      if (mode.json) ctx.stdout(`${JSON.stringify(planJson(plan, resolved.notes), null, 2)}\n`);
      else ctx.stdout(renderPlanText(plan, resolved.notes, dir, makeStyle(ctx.color())));
    });
}
