import { Command } from "commander";
import { checkKeyRecord, type KeyCheckStatus } from "../dkim/check-key.js";
import { keyRecordQueryName } from "../dkim/verify.js";
import { domainNameProblem, selectorProblem } from "../dns/names.js";
import type { CommandContext } from "./deps.js";
import { readPrivateKey } from "./dkim-input.js";
import { clean } from "./dkim-render.js";
import { ExitCode } from "./exit-codes.js";
import { checked, flag, optional, optionalString, parseFlagRules, pattern } from "./flag-rules.js";
import { addResolverOptions, resolverFromOptions } from "./resolver-options.js";
import { makeStyle } from "./style.js";

const FLAG_RULES = {
  domain: checked(domainNameProblem),
  selector: checked(selectorProblem),
  key: optional(pattern(/./, "must name a key file")),
  json: flag,
  dns: optionalString,
  zone: optionalString,
  timeout: optionalString,
  tries: optionalString,
};

const EXIT: Record<KeyCheckStatus, number> = {
  ok: ExitCode.Ok,
  mismatch: ExitCode.Negative,
  temperror: ExitCode.TempError,
  permerror: ExitCode.PermError,
};

/** `spfdk check-key`: fetch, parse and judge a published DKIM key record. */
export function makeCommand(ctx: CommandContext): Command {
  const cmd = new Command("check-key")
    .description("fetch and check a published DKIM key record (and whether a private key matches it)")
    .requiredOption("--domain <domain>", "signing domain (d=)")
    .requiredOption("--selector <selector>", "selector (s=)")
    .option("--key <file>", "private key file to compare with the published p=")
    .option("--json", "machine-readable output");
  addResolverOptions(cmd);
  return cmd
    .addHelpText(
      "after",
      `
Exit codes: 0 the record is usable (and matches --key); 1 --key does not match; 3 DNS error;
4 no record, or a record verifiers reject; 2 bad usage.

Examples:
  spfdk check-key --domain example.com --selector mail
  spfdk check-key --domain example.com --selector mail --key /etc/spfdk/keys/mail.private`,
    )
    .action(async (raw: unknown) => {
      const flags = parseFlagRules(FLAG_RULES, raw);
      const privateKey = flags.key === undefined ? undefined : await readPrivateKey(ctx, flags.key);
      const resolver = await resolverFromOptions(ctx, flags);
      const name = keyRecordQueryName(flags.selector, flags.domain);
      const answer = await resolver.txt(name);
      const report = checkKeyRecord(name, answer, privateKey);
      if (flags.json) {
        ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const s = makeStyle(ctx.color());
        const lines = [s.heading(`Key record ${name}`)];
        for (const r of report.records) lines.push(`  ${clean(r)}`);
        const rec = report.record;
        if (rec) {
          const kind = rec.revoked ? "revoked" : rec.keyType === "rsa" ? `RSA ${rec.bits}-bit` : "Ed25519";
          lines.push(
            `  key: ${kind}${rec.testing ? ", testing (t=y)" : ""}${rec.hashes ? `, h=${rec.hashes.join(":")}` : ""}`,
          );
        }
        for (const p of report.problems) lines.push(s.bad(`  problem: ${clean(p)}`));
        for (const w of report.warnings) lines.push(s.warn(`  warning: ${clean(w)}`));
        if (report.privateKeyMatches !== null) {
          lines.push(
            report.privateKeyMatches
              ? s.ok(`  the private key ${flags.key} matches p=`)
              : s.bad(`  the private key ${flags.key} does NOT match p=`),
          );
        }
        const verdict: Record<KeyCheckStatus, string> = {
          ok: s.ok("OK: verifiers can use this key (DNSSEC is not required)"),
          mismatch: s.bad("MISMATCH: signatures made with this private key will fail"),
          temperror: s.warn("DNS ERROR: try again, or check the name servers"),
          permerror: s.bad("NOT USABLE: verifiers will return permerror"),
        };
        lines.push(verdict[report.status]);
        ctx.stdout(`${lines.join("\n")}\n`);
      }
      ctx.setExitCode(EXIT[report.status]);
    });
}
