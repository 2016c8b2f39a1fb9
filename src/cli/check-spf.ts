import { hostname } from "node:os";
import { Command, Option } from "commander";
import { dnsNameProblem } from "../dns/names.js";
import type { SpfTraceEvent } from "../spf/check-state.js";
import { MAX_VOID_LOOKUPS } from "../spf/check-state.js";
import { authenticationResultsHeader, receivedSpfHeader } from "../spf/headers.js";
import { checkSpf } from "../spf/identities.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { checked, choice, flag, integer, optional, optionalString, parseFlagRules } from "./flag-rules.js";
import { addResolverOptions, resolverFromOptions } from "./resolver-options.js";
import { runBatch } from "./spf-batch.js";
import { checkInput, voidLimitFlag } from "./spf-inputs.js";
import { exitCodeForIdentities, identityJson, renderReport, renderTraceEvent } from "./spf-render.js";
import { makeStyle } from "./style.js";

/** Flag rules (no zod here: check-spf must start nearly as fast as bare node). */
const FLAG_RULES = {
  ip: optionalString,
  sender: optionalString,
  helo: optionalString,
  scope: choice(["mfrom", "helo", "both"], "mfrom"),
  receiver: optional(checked(dnsNameProblem)),
  voidLimit: voidLimitFlag,
  timeBudget: integer({ min: 100, max: 600_000, fallback: 20_000, unit: "ms" }),
  dualStackVoids: flag,
  batch: optionalString,
  concurrency: integer({ min: 1, max: 256, fallback: 16 }),
  json: flag,
  trace: flag,
  dns: optionalString,
  zone: optionalString,
  timeout: optionalString,
  tries: optionalString,
};

/** `spfdk check-spf`: evaluate SPF (RFC 7208 check_host) for a client IP, MAIL FROM and HELO. */
export function makeCommand(ctx: CommandContext): Command {
  const cmd = new Command("check-spf")
    .description("evaluate SPF (RFC 7208 check_host) for a client IP and MAIL FROM / HELO")
    .option("--ip <address>", "SMTP client IP address (IPv4 or IPv6)")
    .option("--sender <address>", 'MAIL FROM address (local@domain; "" or "<>" for the null sender)')
    .option("--helo <name>", "HELO/EHLO name")
    .addOption(
      new Option("--scope <scope>", "identities to check: mfrom, helo or both").choices([
        "mfrom",
        "helo",
        "both",
      ]),
    )
    .option("--receiver <name>", "receiving host name for the header fields and %{r} (default: this host)")
    .option("--void-limit <n>", `void DNS lookups allowed (RFC 7208 §4.6.4; default ${MAX_VOID_LOOKUPS})`)
    .option(
      "--dual-stack-voids",
      "for IPv6 clients, an a term's empty AAAA answer is not a void lookup when the name has A records",
    )
    .option("--time-budget <ms>", "DNS time allowed for one check before temperror (default 20000)")
    .option(
      "--batch <file>",
      'JSON lines {"ip","sender","helo"} from FILE or - (stdin); one JSON line out per line',
    )
    .option("--concurrency <n>", "checks run at once with --batch (default 16)")
    .option("--json", "machine-readable output")
    .option("--trace", "show the evaluation tree: terms, DNS queries and answers, running counts");
  addResolverOptions(cmd);
  return cmd
    .addHelpText(
      "after",
      `
Exit codes: 0 pass, 1 fail/softfail/neutral/none, 2 bad input, 3 temperror, 4 permerror
(with --scope both, the highest of the two). --batch exits 0, or 2 if any input line was malformed.

Examples:
  spfdk check-spf --ip 192.0.2.10 --sender alice@example.com --helo mx.example.net
  spfdk check-spf --ip 2001:db8::25 --sender "" --helo mx.example.net --trace
  spfdk check-spf --ip 192.0.2.10 --sender a@example.com --zone example.zone --json
  spfdk check-spf --batch checks.jsonl --dns 127.0.0.1:5353`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlagRules(FLAG_RULES, raw);
      const resolver = await resolverFromOptions(ctx, flags);
      const receiver = flags.receiver ?? safeHostname();
      const style = makeStyle(ctx.color());
      const common = {
        resolver,
        receiver,
        voidLimit: flags.voidLimit,
        dualStackVoids: flags.dualStackVoids,
        timeBudgetMs: flags.timeBudget,
        now: ctx.now,
      };
      if (flags.batch !== undefined) {
        if (flags.trace) {
          throw new CliError(ExitCode.Usage, "--trace shows one check; it does not combine with --batch");
        }
        if (flags.ip !== undefined || flags.sender !== undefined) {
          throw new CliError(
            ExitCode.Usage,
            "--batch reads ip/sender/helo from its input; drop --ip and --sender",
          );
        }
        ctx.setExitCode(
          await runBatch(ctx, flags.batch, { ...common, scope: flags.scope, concurrency: flags.concurrency }),
        );
        return;
      }
      const input = checkInput(flags, flags.scope);
      if ("problem" in input) throw new CliError(ExitCode.Usage, input.problem);
      const events: SpfTraceEvent[] = [];
      const trace = flags.trace
        ? (e: SpfTraceEvent) => {
            if (flags.json) events.push(e);
            else ctx.stdout(`${renderTraceEvent(e, flags.voidLimit, style)}\n`);
          }
        : undefined;
      if (trace && !flags.json) ctx.stdout(`${style.heading("Evaluation")} (client ${input.ip})\n`);
      const ids = await checkSpf({ ...common, ...input, scope: flags.scope, ...(trace ? { trace } : {}) });
      const hctx = { ip: input.ip, helo: input.helo ?? "", receiver, mailFrom: input.sender };
      if (flags.json) {
        const out = {
          ip: input.ip,
          sender: input.sender,
          helo: input.helo ?? null,
          scope: flags.scope,
          results: ids.map(identityJson),
          headers: {
            receivedSpf: ids.map((id) => receivedSpfHeader(id, hctx)),
            authenticationResults: authenticationResultsHeader(ids, receiver),
          },
          ...(flags.trace ? { trace: events } : {}),
        };
        ctx.stdout(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        if (trace) ctx.stdout("\n");
        ctx.stdout(renderReport(ids, hctx, style, flags.voidLimit));
      }
      ctx.setExitCode(exitCodeForIdentities(ids));
    });
}

function safeHostname(): string {
  try {
    return hostname() || "localhost";
  } catch {
    return "localhost";
  }
}
