import { constants, promises as fsp } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { Command, Option } from "commander";
import type { Resolver } from "../dns/resolver.js";
import { buildDmarcRecord } from "../dmarc/record-builder.js";
import { isSpfRecord } from "../spf/parser.js";
import { buildSpfRecord, emptySpfPlan, type SpfPlan } from "../spf/record-builder.js";
import { compareWithPublished } from "../spf/record-builder-changes.js";
import { lintPlannedSpf } from "../spf/record-builder-tree.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { describeFsError, ensureDir, exists, writeFileAtomic } from "./files.js";
import { parseFlags } from "./flags.js";
import { inquirerAsk, type Ask } from "./spf-wizard-ask.js";
import { dkimMode, dmarcWanted, WizardFlags } from "./spf-wizard-flags.js";
import { askSpf, domainFromHostName } from "./spf-wizard-flow.js";
import { askDkim, askDmarc, DKIM_DEFAULTS, type DmarcAnswer } from "./spf-wizard-flow-dkim.js";
import { dkimMaterial, keyChecks, newKeyTarget } from "./spf-wizard-keys.js";
import {
  renderText,
  wizardRecord,
  zoneSnippet,
  type WizardRecord,
  type WizardResult,
} from "./spf-wizard-render.js";
import { makeStyle } from "./style.js";
import type { CommandContext } from "./deps.js";
import { addResolverOptions, resolverFromOptions } from "./resolver-options.js";

/** Why `host` cannot be included, from its TXT records (RFC 7208 §4.5, §5.2); null when fine or unknown. */
async function includeProblem(resolver: Resolver, host: string): Promise<string | null> {
  const answer = await resolver.txt(host);
  // A DNS error is not a reason to refuse; the include-tree walk reports it as a warning.
  if (answer.kind === "error") return null;
  const spf = answer.kind === "ok" ? answer.records.filter(isSpfRecord) : [];
  if (answer.kind === "nxdomain")
    return `"${host}" does not exist; include: of it gives permerror (RFC 7208 §5.2)`;
  if (spf.length === 0)
    return `"${host}" publishes no SPF record; include: of it gives permerror (RFC 7208 §5.2)`;
  if (spf.length > 1)
    return `"${host}" publishes ${spf.length} SPF records, which is a permerror (RFC 7208 §4.5)`;
  return null;
}

/** Problems in the flag-given SPF answers alone, found before any question is asked. */
async function checkGivenSpf(flags: WizardFlags, resolver: Resolver | undefined): Promise<void> {
  const given = buildSpfRecord({
    ...emptySpfPlan(flags.domain ?? ""),
    a: flags.a ?? false,
    aHosts: flags.aHost ?? [],
    mx: flags.mx ?? false,
    mxDomains: flags.mxDomain ?? [],
    ip4: flags.ip4 ?? [],
    ip6: flags.ip6 ?? [],
    include: flags.include ?? [],
    exists: flags.exists ?? [],
    ptr: flags.ptr ?? false,
  });
  if (given.problems.length > 0) throw new CliError(ExitCode.Usage, given.problems[0]!);
  if (!resolver) return;
  for (const host of flags.include ?? []) {
    const p = await includeProblem(resolver, host);
    if (p) throw new CliError(ExitCode.Usage, `--include: ${p}`);
  }
  if (flags.include !== undefined) {
    // Before the domain is asked, a reserved name (RFC 2606) stands in for it: the tree of the
    // included records does not depend on it.
    const tree = await lintPlannedSpf(flags.domain ?? "domain.invalid", given.record, { resolver });
    if (tree.problems.length > 0) throw new CliError(ExitCode.Usage, tree.problems[0]!);
  }
}

/** Asks what the flags left open (or takes defaults). A Ctrl-C says that nothing was written. */
async function collect(
  ctx: CommandContext,
  flags: WizardFlags,
  ask: Ask | null,
  resolver: Resolver | undefined,
) {
  const given = {
    ...flags,
    dkim: dkimMode(flags, ask !== null),
    dmarc: dmarcWanted(flags),
    suggestedDomain: domainFromHostName(hostname()),
  };
  try {
    const plan = await askSpf(given, ask, {
      includeProblem: resolver ? (h) => includeProblem(resolver, h) : undefined,
      treeProblem: resolver
        ? async (p) =>
            (await lintPlannedSpf(p.domain, buildSpfRecord(p).record, { resolver })).problems[0] ?? null
        : undefined,
    });
    const domain = plan.domain.replace(/\.$/, "").toLowerCase();
    const dkim = await askDkim(given, ask, keyChecks(ctx));
    const dmarc = await askDmarc(domain, given, ask);
    return { plan, domain, dkim, dmarc };
  } catch (err) {
    if (err instanceof Error && err.name === "ExitPromptError") {
      ctx.stderr("\nspfdk: interrupted; nothing was written\n");
    }
    throw err;
  }
}

async function run(ctx: CommandContext, flags: WizardFlags): Promise<void> {
  const format = flags.json ? "json" : flags.format;
  const interactive = !flags.yes && ctx.isTTY.stdin && ctx.isTTY.stdout;
  const promptShown = !flags.yes && !ctx.ask && interactive;
  const ask: Ask | null = flags.yes ? null : (ctx.ask ?? (promptShown ? await inquirerAsk(ctx) : null));
  if (!ask && flags.domain === undefined) {
    throw new CliError(ExitCode.Usage, "--domain is required with --yes or when not run in a terminal");
  }
  // Contradicting or ignored flags are usage errors before anything else happens.
  if (dkimMode(flags, ask !== null) === "new" && flags.selector !== undefined) {
    await newKeyTarget(ctx, flags.keyDir ?? DKIM_DEFAULTS.dir, flags.selector, flags.force);
  }
  dmarcWanted(flags);
  const resolver = flags.offline ? undefined : await resolverFromOptions(ctx, flags);
  const outPath = flags.out === undefined ? null : resolve(ctx.cwd, flags.out);
  // The --out directory may be the new key's, which is created before the snippet is written.
  const refuseOut = async (keyDir: string | undefined) =>
    outPath ? checkOutPath(outPath, flags.force, keyDir && resolve(ctx.cwd, keyDir)) : undefined;
  await refuseOut(flags.keyDir);
  await checkGivenSpf(flags, resolver);
  const { plan, domain, dkim, dmarc } = await collect(ctx, flags, ask, resolver);

  // Every answer is in: from here on nothing is asked, so a Ctrl-C above has written nothing.
  const records = [await spfRecord(plan, domain, resolver)];
  await refuseOut(dkim.mode === "new" ? dkim.dir : undefined);
  const key = await dkimMaterial(ctx, domain, dkim, flags.force);
  if (key) records.push(wizardRecord("dkim", domain, key.name, key.value, key.warnings));
  if (dmarc) records.push(dmarcRecord(domain, dmarc));
  if (resolver) {
    const changes = await compareWithPublished(records, { resolver });
    records.forEach((r, i) => (r.change = changes[i] ?? null));
  }
  const result: WizardResult = {
    domain,
    records,
    privateKey: key && {
      file: key.keyFile,
      written: key.newPrivateKeyPem !== null,
      type: key.keyType,
      bits: key.bits,
    },
    zoneFile: outPath,
    backups: [],
  };
  await writeOutputs(ctx, result, key?.newPrivateKeyPem ?? null, flags.force);
  if (format === "json") ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else if (format === "bind") ctx.stdout(zoneSnippet(result));
  // After the prompts' own lines, a blank line sets the result apart.
  else ctx.stdout(`${promptShown ? "\n" : ""}${renderText(result, makeStyle(ctx.color()))}`);
}

/**
 * Refuses an --out file that exists (without --force) or whose directory cannot take it, so that
 * nothing (such as a new key) is written when the zone snippet could not be. A missing directory
 * is accepted when it is `keyDir`, the new key's directory, which is created first.
 */
async function checkOutPath(path: string, force: boolean, keyDir: string | undefined): Promise<void> {
  if (!force && (await exists(path))) {
    throw new CliError(
      ExitCode.Usage,
      `zone snippet ${path} already exists; not overwriting it (use --force)`,
    );
  }
  if (dirname(path) === keyDir && !(await exists(keyDir))) return;
  try {
    const dir = await fsp.stat(dirname(path));
    if (!dir.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    await fsp.access(dirname(path), constants.W_OK);
  } catch (err) {
    throw new CliError(ExitCode.Usage, `cannot write zone snippet ${path}: ${describeFsError(err)}`);
  }
}

/** The SPF record with its own and its include tree's findings. CliError(Usage) for a problem. */
async function spfRecord(
  plan: SpfPlan,
  domain: string,
  resolver: Resolver | undefined,
): Promise<WizardRecord> {
  const spf = buildSpfRecord(plan);
  if (spf.problems.length > 0) throw new CliError(ExitCode.Usage, spf.problems[0]!);
  const tree = resolver ? await lintPlannedSpf(domain, spf.record, { resolver }) : null;
  if (tree && tree.problems.length > 0) throw new CliError(ExitCode.Usage, tree.problems[0]!);
  const record = wizardRecord("spf", domain, `${domain}.`, spf.record, [
    ...spf.warnings,
    ...(tree?.warnings ?? []),
  ]);
  record.lookups = { record: spf.lookups, tree: tree ? tree.totalLookups : null };
  return record;
}

/** The DMARC record, with what p=none means. CliError(Usage) for a bad report address. */
function dmarcRecord(domain: string, dmarc: NonNullable<DmarcAnswer>): WizardRecord {
  const d = buildDmarcRecord({ domain, ...dmarc });
  if (d.problems.length > 0) throw new CliError(ExitCode.Usage, d.problems[0]!);
  const explain =
    dmarc.policy === "none" ? ["p=none: nothing is rejected; receivers send daily reports to rua="] : [];
  return wizardRecord("dmarc", domain, d.name, d.value, [...d.warnings, ...explain]);
}

/** Writes the new private key (0600, directory 0700) and the --out zone snippet, never clobbering. */
async function writeOutputs(ctx: CommandContext, result: WizardResult, pem: string | null, force: boolean) {
  const now = ctx.now();
  if (pem !== null && result.privateKey) {
    await ensureDir(dirname(result.privateKey.file), 0o700);
    const w = await writeFileAtomic(result.privateKey.file, pem, {
      mode: 0o600,
      force,
      now,
      what: "private key",
    });
    if (w.backup) result.backups.push(w.backup);
  }
  if (result.zoneFile) {
    const w = await writeFileAtomic(result.zoneFile, zoneSnippet(result), {
      mode: 0o644,
      force,
      now,
      what: "zone snippet",
    });
    if (w.backup) result.backups.push(w.backup);
  }
}

/** `spfdk spf-wizard`: asks (or takes flags) and prints every record the domain needs. */
export function makeCommand(ctx: CommandContext): Command {
  const choice = (flag: string, what: string, values: string[]) => new Option(flag, what).choices(values);
  const cmd = new Command("spf-wizard")
    .description(
      "build the SPF, DKIM (or DomainKeys) and DMARC records for a domain, interactively or from flags",
    )
    .option("--domain <domain>", "the domain to set up")
    .option("--a", "the domain's own A/AAAA hosts send mail (a)")
    .option("--no-a", "they do not (default)")
    .option("--a-host <hosts...>", "other hosts that send mail (a:host)")
    .option("--mx", "the domain's MX hosts send mail (mx; default)")
    .option("--no-mx", "they do not")
    .option("--mx-domain <domains...>", "MX hosts of other domains send mail (mx:domain)")
    .option("--ip4 <networks...>", "IPv4 addresses or CIDR ranges (ip4:)")
    .option("--ip6 <networks...>", "IPv6 addresses or CIDR ranges (ip6:)")
    .option("--include <domains...>", "third-party senders' SPF domains (include:)")
    .option("--exists <specs...>", "exists: domain-specs (macros allowed)")
    .option("--ptr", "add ptr (deprecated, RFC 7208 §5.5)")
    .addOption(
      choice("--all <policy>", "result for other hosts (default softfail = ~all)", [
        "softfail",
        "fail",
        "neutral",
      ]),
    )
    .option("--new-key", "create a new DKIM key")
    .option("--key <file>", "use this existing private key (PEM)")
    .option("--no-dkim", "no DKIM record")
    .option("--selector <selector>", "DKIM selector (default mail)")
    .addOption(choice("--key-type <type>", "new key type (default rsa)", ["rsa", "ed25519"]))
    .option("--bits <n>", "new RSA key size: 1024, 2048 (default), 3072, 4096")
    .option("--key-dir <dir>", "directory for the new SELECTOR.private (default .)")
    .option("--testing", "publish t=y in the key record")
    .option("--domainkeys", "legacy DomainKeys key record form (k=rsa; p=…)")
    .option("--dmarc", "add a DMARC record at _dmarc.DOMAIN")
    .option("--no-dmarc", "no DMARC record")
    .addOption(choice("--dmarc-policy <p>", "DMARC p= (default none)", ["none", "quarantine", "reject"]))
    .option("--rua <addresses...>", "DMARC aggregate report addresses (default postmaster@DOMAIN)")
    .option("--yes", "ask nothing; unanswered questions take their defaults")
    .addOption(choice("--format <format>", "output format", ["text", "bind", "json"]).default("text"))
    .option("--json", "same as --format json")
    .option("--out <file>", "also write the zone snippet (BIND lines) to FILE")
    .option("--force", "replace existing files, keeping timestamped backups")
    .option(
      "--offline",
      "no DNS queries: skip the include: checks and the comparison with published records",
    );
  return addResolverOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  spfdk spf-wizard
  spfdk spf-wizard --yes --domain example.com --a --mx --ip4 192.0.2.0/24 --include _spf.example.net --all softfail
  spfdk spf-wizard --yes --domain example.com --new-key --selector 2026a --key-dir keys --dmarc --out example.com.zone`,
    )
    .action(async (raw: unknown) => run(ctx, parseFlags(WizardFlags, raw)));
}
