import { dirname, resolve } from "node:path";
import { Command } from "commander";
import { createRelaxedKernel } from "../dkim/relaxed-kernel.js";
import { cachingResolver } from "../dns/caching-resolver.js";
import { BoundedMap } from "../filter/bounded-map.js";
import { parseKeyTable } from "../filter/key-table.js";
import { signHandler } from "../filter/sign-handler.js";
import { eventText, startFilterServer, type FilterEvent } from "../filter/smtp-server.js";
import { replyText } from "../filter/smtp-io.js";
import { verifyHandler } from "../filter/verify-handler.js";
import type { HostPort } from "../filter/next-hop.js";
import { daemonLog, serveUntilStopped } from "./daemon.js";
import type { CommandContext } from "./deps.js";
import { safeHostname } from "./host-name.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { readFileOrFail } from "./files.js";
import { flag, flagOn, integer, optional, optionalString, parseFlagRules, pattern } from "./flag-rules.js";
import { addResolverOptions, resolverFromOptions } from "./resolver-options.js";
import {
  addSigningOptions,
  buildRequests,
  domainKeysRequest,
  durationSeconds,
  SIGNING_RULES,
} from "./sign.js";

const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$/;

/** Flag rules of both modes (no zod: the filter starts as fast as `verify`). */
const FLAG_RULES = {
  verify: flag,
  sign: flag,
  listen: optionalString,
  next: optionalString,
  hostname: optional(pattern(/^[A-Za-z0-9.-]+$/, "must be a host name")),
  maxSize: integer({ min: 1024, max: 1024 * 1024 * 1024, fallback: 50 * 1024 * 1024, unit: "octets" }),
  sessionTimeout: integer({ min: 1, max: 3600, fallback: 300, unit: "seconds" }),
  authservId: optional(pattern(TOKEN, 'must be one word such as a host name (no ; = " ( ) etc.)')),
  legacy: flag,
  spf: flagOn,
  json: flag,
};

/** "host:port", "[v6]:port" or ":port" (127.0.0.1), checked. */
export function parseHostPort(flagName: string, value: string): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new CliError(ExitCode.Usage, `${flagName}: "${value}" is not HOST:PORT (e.g. 127.0.0.1:10025)`);
  }
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

/** `spfdk filter`: the SMTP filter daemon between Postfix's filter ports. */
export function makeCommand(ctx: CommandContext): Command {
  const cmd = new Command("filter")
    .description(
      "run the SMTP filter Postfix hands mail to (postfix-config wires it): --verify adds " +
        "Authentication-Results (DKIM, DomainKeys, SPF); --sign adds DKIM signatures",
    )
    .option("--verify", "verify inbound mail (before-queue proxy; default ports 10025 -> 10026)")
    .option("--sign", "sign outbound mail (after-queue content filter; default ports 10027 -> 10028)")
    .option("--listen <host:port>", "where to listen (default 127.0.0.1:10025, or :10027 with --sign)")
    .option("--next <host:port>", "where to pass mail on (default 127.0.0.1:10026, or :10028 with --sign)")
    .option("--hostname <name>", "name in the greeting and EHLO (default: this host's name)")
    .option("--max-size <octets>", "largest message accepted (default 52428800)")
    .option("--session-timeout <seconds>", "idle time before a connection is dropped (default 300)")
    .option("--json", "log one JSON object per line (time, event, envelope, results, reply)")
    .option("--authserv-id <id>", "verify: authserv-id of Authentication-Results (default: --hostname)")
    .option("--legacy", "verify: accept rsa-sha1, short RSA keys and drafts (flagged in the result)")
    .option("--no-spf", "verify: do not check SPF for the client Postfix forwards (XFORWARD)");
  addSigningOptions(cmd, { required: false, label: "sign: " });
  cmd.option(
    "--key-table <file>",
    'sign: several signing domains, one key per line: "domain selector key-file" (instead of --domain/--selector/--key)',
  );
  addResolverOptions(cmd);
  return cmd
    .addHelpText(
      "after",
      `
It runs until SIGTERM or SIGINT (then finishes the messages in progress) and logs one line per
message to standard error. Exit codes: 0 after a clean stop; 2 bad usage, unreadable key or a port
that cannot be opened.

Examples:
  spfdk filter --verify --authserv-id mx.example.com
  spfdk filter --sign --domain example.com --selector mail --key /etc/spfdk/mail.private
  spfdk filter --sign --domain example.com --selector rsa --key rsa.pem --selector ed --key ed.pem
  spfdk filter --sign --key-table /etc/spfdk/key-table`,
    )
    .action(async (raw: Record<string, unknown>, c: Command) => {
      const flags = parseFlagRules(FLAG_RULES, raw);
      if (flags.verify === flags.sign)
        throw new CliError(ExitCode.Usage, "give exactly one of --verify and --sign");
      const signOnly = ["domain", "selector", "key", "keyTable", "algo", "headers", "expire", "domainkeys"];
      const verifyOnly = ["authservId", "legacy", "dns", "zone", "timeout", "tries"];
      const misplaced = (flags.verify ? signOnly : verifyOnly).find((k) => raw[k] !== undefined);
      if (misplaced !== undefined || (flags.sign && c.getOptionValueSource("spf") === "cli")) {
        const name = (misplaced ?? "no-spf").replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
        throw new CliError(
          ExitCode.Usage,
          `--${name} does not apply with --${flags.verify ? "verify" : "sign"}`,
        );
      }
      const listen = parseHostPort(
        "--listen",
        flags.listen ?? (flags.verify ? "127.0.0.1:10025" : "127.0.0.1:10027"),
      );
      const next = parseHostPort(
        "--next",
        flags.next ?? (flags.verify ? "127.0.0.1:10026" : "127.0.0.1:10028"),
      );
      if (listen.port === next.port && listen.host === next.host) {
        throw new CliError(ExitCode.Usage, "--listen and --next are the same address (mail would loop)");
      }
      const name = flags.hostname ?? safeHostname();
      const log = daemonLog(ctx, "spfdk filter", flags.json);
      const logEvent = (e: FilterEvent) =>
        log(
          eventText(e),
          e.kind === "problem"
            ? { event: "problem", text: e.text }
            : {
                event: "message",
                from: e.mailFrom,
                rcpts: e.rcpts,
                ...(e.client !== undefined ? { client: e.client } : {}),
                ...e.details,
                reply: replyText(e.reply),
              },
        );
      let handle;
      if (flags.verify) {
        handle = verifyHandler({
          // Answers kept for their TTL (the key records of busy senders are asked once, not per
          // message), and bounded caches: the process runs for months.
          resolver: cachingResolver(await resolverFromOptions(ctx, raw), {
            now: () => ctx.now().getTime(),
            maxEntries: 50_000,
          }),
          authservId: flags.authservId ?? name,
          legacy: flags.legacy,
          spf: flags.spf,
          now: ctx.now,
          keyCache: new BoundedMap(10_000),
          relaxedKernel: createRelaxedKernel(),
        });
      } else {
        handle = signHandler(await signingSetup(ctx, raw));
      }
      await serveUntilStopped(ctx, {
        listen,
        start: () =>
          startFilterServer({
            listen,
            next,
            hostname: name,
            maxSize: flags.maxSize,
            timeoutMs: flags.sessionTimeout * 1000,
            handle,
            log: logEvent,
          }),
        log,
        listening: (at) => [
          `${flags.verify ? "verifying" : "signing"} on ${at}, passing mail to ${next.host}:${next.port}`,
          {
            event: "listening",
            mode: flags.verify ? "verify" : "sign",
            listen: at,
            next: `${next.host}:${next.port}`,
          },
        ],
        stopping: "finishing the messages in progress",
      });
    });
}

/**
 * The signing domains: from --domain with its --selector/--key pairs, or from --key-table (one
 * domain per group of lines; key files relative to the table's directory). The other signing flags
 * (--canon, --headers, --algo, --expire, --domainkeys ...) apply to every domain.
 */
async function signingSetup(
  ctx: CommandContext,
  raw: Record<string, unknown>,
): Promise<Parameters<typeof signHandler>[0]> {
  const now = Math.floor(ctx.now().getTime() / 1000);
  const groups: { domain: string; selector: string[]; key: string[] }[] = [];
  if (raw.keyTable !== undefined) {
    const given = ["domain", "selector", "key"].find((k) => raw[k] !== undefined);
    if (given) throw new CliError(ExitCode.Usage, `--${given} and --key-table exclude each other`);
    const path = resolve(ctx.cwd, String(raw.keyTable));
    const parsed = parseKeyTable((await readFileOrFail(path, "key table")).toString("utf8"));
    if ("problem" in parsed) throw new CliError(ExitCode.Usage, `${path}:${parsed.line}: ${parsed.problem}`);
    for (const e of parsed.entries) {
      const key = resolve(dirname(path), e.keyFile);
      const g = groups.find((x) => x.domain.toLowerCase() === e.domain.toLowerCase());
      if (g) {
        g.selector.push(e.selector);
        g.key.push(key);
      } else groups.push({ domain: e.domain, selector: [e.selector], key: [key] });
    }
  } else {
    if (raw.domain === undefined) {
      throw new CliError(ExitCode.Usage, "--sign needs --domain with --selector/--key pairs, or --key-table");
    }
    groups.push({
      domain: raw.domain as string,
      selector: raw.selector as string[],
      key: raw.key as string[],
    });
  }
  let expireSeconds: number | undefined;
  const domains = [];
  for (const g of groups) {
    const s = parseFlagRules(SIGNING_RULES, { ...raw, ...g });
    const requests = await buildRequests(ctx, s, now);
    if (s.expire !== undefined) expireSeconds = durationSeconds(s.expire, now);
    domains.push({
      domain: s.domain,
      requests,
      ...(s.domainkeys ? { domainKeys: domainKeysRequest(s, requests) } : {}),
    });
  }
  return { domains, ...(expireSeconds !== undefined ? { expireSeconds } : {}), now: ctx.now };
}
