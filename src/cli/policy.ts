import { Command } from "commander";
import { cachingResolver } from "../dns/caching-resolver.js";
import { createPolicy, parseNetwork, type SkipNetwork } from "../filter/policy.js";
import { startPolicyServer, type PolicyEvent } from "../filter/policy-server.js";
import type { SpfResult } from "../spf/types.js";
import { daemonLog, serveUntilStopped } from "./daemon.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { parseHostPort } from "./filter.js";
import { collect, flag, integer, optional, optionalString, parseFlagRules, pattern } from "./flag-rules.js";
import { safeHostname } from "./host-name.js";
import { addResolverOptions, resolverFromOptions } from "./resolver-options.js";

/** Results that may be refused (pass never; temperror is --defer-temperror's). */
const REFUSABLE: readonly SpfResult[] = ["fail", "softfail", "neutral", "none", "permerror"];
const DEFAULT_SKIP = ["127.0.0.0/8", "::1"];

const FLAG_RULES = {
  listen: optionalString,
  receiver: optional(pattern(/^[A-Za-z0-9.-]+$/, "must be a host name")),
  deferTemperror: flag,
  scope: optional(pattern(/^(mfrom|helo|both)$/, "must be mfrom, helo or both")),
  sessionTimeout: integer({ min: 1, max: 3600, fallback: 300, unit: "seconds" }),
  json: flag,
};

/** `spfdk policy`: the SPF policy service for Postfix's check_policy_service. */
export function makeCommand(ctx: CommandContext): Command {
  const cmd = new Command("policy")
    .description(
      "run an SPF policy service for Postfix (check_policy_service): refuse SPF fail at RCPT time, " +
        "prepend Received-SPF otherwise",
    )
    .option("--listen <host:port>", "where to listen (default 127.0.0.1:10040)")
    .option("--reject <results>", "SPF results refused with a 5xx, comma separated (default fail)")
    .option("--no-reject", "refuse nothing: only prepend Received-SPF")
    .option("--defer-temperror", "answer a DNS failure (temperror) with 451 4.4.3 instead of accepting")
    .option("--scope <scope>", "identities to check: mfrom (default; HELO for the null sender), helo, both")
    .option("--skip <cidr>", "clients not to check; repeatable (default 127.0.0.0/8 and ::1)", collect)
    .option("--receiver <name>", "this host's name in Received-SPF (default: the host name)")
    .option("--session-timeout <seconds>", "idle time before a connection is closed (default 300)")
    .option("--json", "log one JSON object per line");
  addResolverOptions(cmd);
  return cmd
    .addHelpText(
      "after",
      `
In main.cf, after reject_unauth_destination (or in smtpd_recipient_restrictions when relay control
is in smtpd_relay_restrictions):
  smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated,
      reject_unauth_destination, check_policy_service { inet:127.0.0.1:10040, default_action=DUNNO }

It runs until SIGTERM or SIGINT and logs one line per decision to standard error. Exit codes: 0 after
a clean stop; 2 bad usage or a port that cannot be opened.

Examples:
  spfdk policy
  spfdk policy --reject fail,permerror --defer-temperror --skip 192.0.2.0/24`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlagRules(FLAG_RULES, raw);
      const reject = rejectList(raw.reject);
      const skip: SkipNetwork[] = [];
      for (const text of (raw.skip as string[] | undefined) ?? DEFAULT_SKIP) {
        const n = parseNetwork(text);
        if (n === null)
          throw new CliError(ExitCode.Usage, `--skip: "${text}" is not an address or CIDR network`);
        skip.push(n);
      }
      const listen = parseHostPort("--listen", flags.listen ?? "127.0.0.1:10040");
      const receiver = flags.receiver ?? safeHostname();
      const policy = createPolicy({
        resolver: cachingResolver(await resolverFromOptions(ctx, raw), {
          now: () => ctx.now().getTime(),
          maxEntries: 50_000,
        }),
        receiver,
        reject,
        deferTemperror: flags.deferTemperror,
        scope: (flags.scope as "mfrom" | "helo" | "both" | undefined) ?? "mfrom",
        skip,
        now: ctx.now,
      });
      const log = daemonLog(ctx, "spfdk policy", flags.json);
      const logEvent = (e: PolicyEvent) => {
        if (e.kind === "problem") return log(e.text, { event: "problem", text: e.text });
        const q = e.request;
        const who = {
          client: q.get("client_address") ?? "",
          helo: q.get("helo_name") ?? "",
          sender: q.get("sender") ?? "",
          recipient: q.get("recipient") ?? "",
          instance: q.get("instance") ?? "",
        };
        log(
          `client=${who.client} helo=${who.helo} from=<${who.sender}> to=<${who.recipient}> ${e.decision.note} -> ${e.decision.action}`,
          { event: "decision", ...who, results: e.decision.results, action: e.decision.action },
        );
      };
      await serveUntilStopped(ctx, {
        listen,
        start: () =>
          startPolicyServer({
            listen,
            decide: (q) => policy.decide(q),
            log: logEvent,
            timeoutMs: flags.sessionTimeout * 1000,
          }),
        log,
        listening: (at) => [
          `listening on ${at} (refusing: ${reject.join(", ") || "nothing"})`,
          { event: "listening", listen: at, reject },
        ],
        stopping: "stopping",
      });
    });
}

/** --reject's results (default fail; --no-reject: none). */
function rejectList(value: unknown): SpfResult[] {
  if (value === false) return [];
  if (value === undefined || value === true) return ["fail"];
  const items = String(value)
    .split(/[,\s]+/)
    .filter((x) => x.length > 0);
  for (const x of items) {
    if (!REFUSABLE.includes(x as SpfResult)) {
      throw new CliError(
        ExitCode.Usage,
        `--reject: "${x}" is not one of ${REFUSABLE.join(", ")} (temperror: use --defer-temperror)`,
      );
    }
  }
  return items as SpfResult[];
}
