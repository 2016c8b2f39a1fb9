import { Command } from "commander";
import { domainNameProblem } from "../dns/names.js";
import { MAX_VOID_LOOKUPS } from "../spf/check-state.js";
import { lintSpfDomain, type LintNode, type LintReport } from "../spf/lint.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { flag, optionalString, parseFlagRules } from "./flag-rules.js";
import { addResolverOptions, resolverFromOptions } from "./resolver-options.js";
import { voidLimitFlag } from "./spf-inputs.js";
import { makeStyle, type Style } from "./style.js";

const FLAG_RULES = {
  json: flag,
  voidLimit: voidLimitFlag,
  dns: optionalString,
  zone: optionalString,
  timeout: optionalString,
  tries: optionalString,
};

/** Exit code of a lint: 0 clean, 1 warnings, 3 when only DNS errors stopped it, 4 errors. */
export function exitCodeForLint(r: LintReport): number {
  const errors = r.findings.filter((f) => f.severity === "error");
  if (errors.length === 0) return r.verdict === "clean" ? ExitCode.Ok : ExitCode.Negative;
  return errors.every((f) => f.code === "DNS_ERROR") ? ExitCode.TempError : ExitCode.PermError;
}

/** ", IPv6 clients: n" for a record whose terms are void for one family only. */
function nodeFamilyVoids(n: LintNode): string {
  const f = n.familyVoidLookups;
  return (["ipv4", "ipv6"] as const)
    .filter((k) => f[k] !== n.voidLookups)
    .map((k) => `, ${k === "ipv4" ? "IPv4" : "IPv6"} clients: ${f[k]}`)
    .join("");
}

function renderNode(
  n: LintNode,
  prefix: string,
  last: boolean,
  isRoot: boolean,
  s: Style,
  out: string[],
): void {
  const branch = isRoot ? "" : last ? "└─ " : "├─ ";
  const counts = s.dim(
    `[lookups: ${n.ownLookups} here, ${n.branchLookups} in this branch; voids ${n.voidLookups}${nodeFamilyVoids(n)}]`,
  );
  const label = isRoot ? s.heading(n.domain) : `${n.term} ${s.dim("->")} ${n.domain}`;
  out.push(`${prefix}${branch}${label}  ${counts}`);
  const inner = isRoot ? "" : prefix + (last ? "   " : "│  ");
  out.push(
    `${inner}${n.children.length ? "│  " : "   "}${n.record === null ? s.bad("(no SPF record)") : s.dim(`"${n.record}"`)}`,
  );
  n.children.forEach((c, i) => renderNode(c, inner, i === n.children.length - 1, false, s, out));
}

/** " (IPv4 clients n, IPv6 clients m)" when the families see more voids than every client does. */
function familyVoids(r: LintReport): string {
  const f = r.totalFamilyVoidLookups;
  if (f.ipv4 === r.totalVoidLookups && f.ipv6 === r.totalVoidLookups) return "";
  return ` (IPv4 clients: ${f.ipv4}/${r.voidLimit}, IPv6 clients: ${f.ipv6}/${r.voidLimit})`;
}

/** The human report: tree, totals, findings. */
export function renderLint(r: LintReport, s: Style): string {
  const out: string[] = [];
  renderNode(r.tree, "", true, true, s, out);
  const over = r.totalLookups - r.lookupLimit;
  const lookups = `${r.totalLookups}/${r.lookupLimit}${over > 0 ? ` (${over} over the limit)` : ""}`;
  out.push(
    "",
    `DNS lookups: ${over > 0 ? s.bad(lookups) : lookups}   void lookups: ${r.totalVoidLookups}/${r.voidLimit}${familyVoids(r)}`,
  );
  if (r.findings.length === 0) out.push(s.ok("No problems found."));
  for (const f of r.findings) {
    const sev = f.severity === "error" ? s.bad("error  ") : s.warn("warning");
    out.push(
      `${sev} ${f.code.padEnd(16)} ${f.domain ?? r.domain}: ${f.message}${f.term ? ` (${f.term.text})` : ""}`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** `spfdk spf-lint DOMAIN`: the include/redirect tree with lookup counts and findings. */
export function makeCommand(ctx: CommandContext): Command {
  const cmd = new Command("spf-lint")
    .description("show a domain's SPF include/redirect tree with DNS-lookup counts, and find problems")
    .argument("<domain>", "the domain whose SPF record to check")
    .option("--json", "machine-readable output")
    .option("--void-limit <n>", `void lookups allowed (default ${MAX_VOID_LOOKUPS})`);
  addResolverOptions(cmd);
  return cmd
    .addHelpText(
      "after",
      `
Exit codes: 0 clean, 1 warnings only, 2 bad input, 3 DNS failure, 4 errors.

Examples:
  spfdk spf-lint example.com
  spfdk spf-lint example.com --dns 127.0.0.1:5353 --json
  spfdk spf-lint example.com --zone example.zone`,
    )
    .action(async (domain: string, raw: Record<string, unknown>) => {
      const flags = parseFlagRules(FLAG_RULES, raw);
      const p = domainNameProblem(domain);
      if (p) throw new CliError(ExitCode.Usage, `domain: "${domain}" ${p}`);
      const resolver = await resolverFromOptions(ctx, flags);
      const report = await lintSpfDomain(domain, { resolver, voidLimit: flags.voidLimit });
      if (flags.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else ctx.stdout(renderLint(report, makeStyle(ctx.color())));
      ctx.setExitCode(exitCodeForLint(report));
    });
}
