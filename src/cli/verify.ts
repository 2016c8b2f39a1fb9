import { Command } from "commander";
import { domainNameProblem } from "../dns/names.js";
import { authenticationResults, domainKeysForVerdict, verdictOf, type Verdict } from "../dkim/results.js";
import { verifyMessage } from "../dkim/verify-message.js";
import { describeMessageProblem } from "../message/message-reader.js";
import type { CommandContext } from "./deps.js";
import { safeHostname } from "./host-name.js";
import { renderDkimOutcome, renderDomainKeysOutcome } from "./dkim-render.js";
import { inputError, messageSource } from "./dkim-input.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { checked, flag, optional, optionalString, parseFlagRules, pattern } from "./flag-rules.js";
import { addResolverOptions, resolverFromOptions } from "./resolver-options.js";
import { makeStyle } from "./style.js";

/** Flag rules (no zod here: verify runs per message in a filter and must start fast). */
const FLAG_RULES = {
  legacy: flag,
  require: optional(checked(domainNameProblem)),
  // RFC 8601 §2.2 authserv-id: an RFC 2045 token (no ";", "=", quotes or other tspecials).
  authservId: optional(
    pattern(/^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$/, 'must be one word such as a host name (no ; = " ( ) etc.)'),
  ),
  json: flag,
  dns: optionalString,
  zone: optionalString,
  timeout: optionalString,
  tries: optionalString,
};

/** Exit code for a verdict (docs/verify.md). */
export function exitCodeForVerdict(v: Verdict): number {
  switch (v) {
    case "pass":
      return ExitCode.Ok;
    case "temperror":
      return ExitCode.TempError;
    case "permerror":
      return ExitCode.PermError;
    case "fail":
    case "none":
      return ExitCode.Negative;
    default:
      return v satisfies never;
  }
}

/** `spfdk verify`: check every DKIM-Signature and DomainKey-Signature of a message. */
export function makeCommand(ctx: CommandContext): Command {
  const cmd = new Command("verify")
    .description("verify every DKIM-Signature (and legacy DomainKey-Signature) of a message")
    .argument("[file]", "message file; - or absent reads standard input")
    .option(
      "--legacy",
      "accept rsa-sha1, RSA keys under 1024 bits and pre-RFC drafts (flagged in the result)",
    )
    .option("--require <domain>", "exit 0 only when a signature of this d= passes")
    .option(
      "--authserv-id <id>",
      "authserv-id of the Authentication-Results line (default: this host's name)",
    )
    .option("--json", "machine-readable output");
  addResolverOptions(cmd);
  return cmd
    .addHelpText(
      "after",
      `
Exit codes: 0 a signature passed; 1 none passed (or no signature); 3 none passed and a DNS error
left one undecided; 4 every result is a permerror; 2 bad usage or not a message.

Examples:
  spfdk verify signed.eml
  spfdk verify --zone example.zone --json < signed.eml
  spfdk verify --require example.com --legacy old.eml`,
    )
    .action(async (file: string | undefined, raw: unknown) => {
      const flags = parseFlagRules(FLAG_RULES, raw);
      const resolver = await resolverFromOptions(ctx, flags);
      const source = await messageSource(ctx, file, false);
      let r;
      try {
        r = await verifyMessage(source.open(), {
          resolver,
          legacy: flags.legacy,
          now: ctx.now(),
          trace: ctx.trace,
        });
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw inputError(source.label, err);
      }
      if (r.kind === "problem")
        throw new CliError(ExitCode.Usage, `${source.label}: ${describeMessageProblem(r.problem)}`);
      const all = [...r.dkim, ...domainKeysForVerdict(r.domainKeys, flags.legacy)];
      const verdict = verdictOf(all, flags.require);
      const ar = authenticationResults(flags.authservId ?? safeHostname(), r.dkim, r.domainKeys);
      if (flags.json) {
        const out = {
          verdict,
          dkim: r.dkim,
          domainkeys: r.domainKeys,
          lineEnding: r.lineEnding,
          authenticationResults: ar.replace(/\r\n\t/g, " "),
          ...(flags.require ? { require: flags.require } : {}),
        };
        ctx.stdout(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        const s = makeStyle(ctx.color());
        if (r.lineEnding === "LF")
          ctx.stderr("spfdk: note: the message has LF line endings; it was read as CRLF\n");
        const lines = [
          ...r.dkim.flatMap((o) => renderDkimOutcome(o, s)),
          ...r.domainKeys.flatMap((o) => renderDomainKeysOutcome(o, s, flags.legacy)),
        ];
        if (all.length === 0)
          lines.push(s.warn("dkim=none (the message has no DKIM-Signature or DomainKey-Signature)"));
        if (flags.require && verdict !== "pass")
          lines.push(s.bad(`no passing signature of d=${flags.require}`));
        lines.push("", ar.replace(/\r\n/g, "\n"));
        ctx.stdout(`${lines.join("\n")}\n`);
      }
      ctx.setExitCode(exitCodeForVerdict(verdict));
    });
}
