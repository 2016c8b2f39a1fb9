import { promises as fsp } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { domainNameProblem, selectorProblem } from "../dns/names.js";
import type { Canon } from "../dkim/canonicalize.js";
import { describeKey } from "../dkim/keygen.js";
import { signingKeyProblem, type SigningAlgorithm } from "../dkim/sign.js";
import { signMessage, type DkimSignRequest } from "../dkim/sign-message.js";
import { describeMessageProblem } from "../message/message-reader.js";
import type { CommandContext } from "./deps.js";
import { inputError, messageSource, readPrivateKey } from "./dkim-input.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { describeFsError, exists } from "./files.js";
import {
  checked,
  choice,
  collect,
  flag,
  flagOn,
  list,
  optional,
  optionalString,
  parseFlagRules,
  pattern,
  withDefault,
} from "./flag-rules.js";

const DURATION = /^(\d+)\s*([smhdw]?)$/;
const UNIT: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** The largest x= value: RFC 6376 §3.5 writes t= and x= with at most 12 digits. */
const MAX_TIMESTAMP = 999_999_999_999;

/** The flags that make the DKIM signing requests (shared with `spfdk filter --sign`). */
export const SIGNING_RULES = {
  domain: checked(domainNameProblem),
  selector: list(checked(selectorProblem), 1, "give at least one --selector"),
  key: list(pattern(/./, "must name a key file"), 1, "give at least one --key"),
  algo: optional(choice(["rsa-sha256", "ed25519-sha256"], "rsa-sha256")),
  canon: withDefault(
    pattern(
      /^(simple|relaxed)(\/(simple|relaxed))?$/,
      "must be simple, relaxed or HEADER/BODY (e.g. relaxed/relaxed)",
    ),
    "relaxed/relaxed",
  ),
  headers: optionalString,
  oversign: flagOn,
  expire: optional(pattern(DURATION, "must be a duration such as 3600, 90m, 12h, 7d or 2w")),
  bodyLength: flag,
  identity: optionalString,
  domainkeys: flag,
  method: choice(["nofws", "simple"], "nofws"),
};

/** Flag rules (no zod here: sign runs per message in a filter and must start fast). */
const FLAG_RULES = {
  ...SIGNING_RULES,
  out: optionalString,
  force: flag,
  json: flag,
};

/**
 * Adds the flags of SIGNING_RULES to `cmd` (shared with `spfdk filter --sign`): required ones for
 * `spfdk sign`, optional ones (checked when the mode is known) with a "sign: " label for the filter.
 */
export function addSigningOptions(cmd: Command, o: { required: boolean; label: string }): Command {
  const add = (flags: string, text: string, parse?: (v: string, prev?: string[]) => string[]) => {
    const opt = new Option(flags, `${o.label}${text}`);
    if (parse) opt.argParser(parse);
    if (o.required) opt.makeOptionMandatory();
    cmd.addOption(opt);
  };
  add("--domain <domain>", "signing domain (d=)");
  add("--selector <selector>", "selector (s=); repeat with --key for several signatures", collect);
  add("--key <file>", "private key (PEM); the n-th --key goes with the n-th --selector", collect);
  return cmd
    .addOption(
      new Option("--algo <algorithm>", `${o.label}a= (default: from the key type)`).choices([
        "rsa-sha256",
        "ed25519-sha256",
      ]),
    )
    .option("--canon <header/body>", `${o.label}canonicalization c=`, "relaxed/relaxed")
    .option(
      "--headers <list>",
      `${o.label}fields to sign, comma or colon separated (default: RFC 6376 §5.4.1's list)`,
    )
    .option(
      "--no-oversign",
      `${o.label}do not over-sign (by default From and other single fields get one extra h= entry)`,
    )
    .option("--expire <duration>", `${o.label}add x= this long after t= (3600, 90m, 12h, 7d, 2w)`)
    .option(
      "--domainkeys",
      `${o.label}also add a legacy DomainKey-Signature (RFC 4870) with the first RSA key`,
    )
    .addOption(
      new Option("--method <method>", `${o.label}DomainKeys canonicalization`)
        .choices(["nofws", "simple"])
        .default("nofws"),
    );
}

/** `spfdk sign`: add DKIM (and optionally DomainKeys) signatures to a message. */
export function makeCommand(ctx: CommandContext): Command {
  const cmd = new Command("sign")
    .description("sign a message with DKIM (RFC 6376 / RFC 8463), optionally also DomainKeys (RFC 4870)")
    .argument("[file]", "message file; - or absent reads standard input");
  return addSigningOptions(cmd, { required: true, label: "" })
    .option("--body-length", "add l= (the signed body length); text appended later stays unsigned")
    .option("--identity <i>", "i= (the signing identity, in d= or a subdomain)")
    .option("--out <file>", "write the signed message here instead of standard output")
    .option("--force", "with --out, replace an existing file")
    .option("--json", "print the signatures as JSON instead of the message (the message still goes to --out)")
    .addHelpText(
      "after",
      `
Examples:
  spfdk sign --domain example.com --selector mail --key mail.private < msg.eml > signed.eml
  spfdk sign msg.eml --domain example.com --selector rsa1 --key rsa1.private --selector ed1 --key ed1.private
  spfdk sign msg.eml --domain example.com --selector dk --key dk.private --domainkeys --method nofws --out signed.eml`,
    )
    .action(async (file: string | undefined, raw: unknown, cmd: Command) => {
      const flags = parseFlagRules(FLAG_RULES, raw);
      if (cmd.getOptionValueSource("method") === "cli" && !flags.domainkeys) {
        throw new CliError(ExitCode.Usage, "--method applies to DomainKeys only: add --domainkeys");
      }
      await runSign(ctx, file, flags);
    });
}

type SignFlags = ReturnType<typeof parseFlagRules<typeof FLAG_RULES>>;
/** The parsed SIGNING_RULES. */
export type SigningFlags = ReturnType<typeof parseFlagRules<typeof SIGNING_RULES>>;

/** The DKIM requests the signing flags ask for (keys read and checked), with t= `now`. */
export async function buildRequests(
  ctx: CommandContext,
  flags: SigningFlags,
  now: number,
): Promise<DkimSignRequest[]> {
  if (flags.selector.length !== flags.key.length) {
    throw new CliError(
      ExitCode.Usage,
      `--selector and --key must come in pairs (got ${flags.selector.length} and ${flags.key.length})`,
    );
  }
  const [hc, bc = "simple"] = flags.canon.split("/") as [Canon, Canon | undefined];
  const headers = flags.headers?.split(/[,:\s]+/).filter((h) => h.length > 0);
  if (headers?.some((h) => !/^[\x21-\x39\x3b-\x7e]+$/.test(h))) {
    throw new CliError(ExitCode.Usage, `--headers: "${flags.headers}" is not a list of field names`);
  }
  const expiry = flags.expire === undefined ? undefined : durationSeconds(flags.expire, now);
  const requests: DkimSignRequest[] = [];
  for (let i = 0; i < flags.key.length; i++) {
    const key = await readPrivateKey(ctx, flags.key[i]!);
    const type = describeKey(key)?.type;
    const algorithm: SigningAlgorithm = flags.algo ?? (type === "ed25519" ? "ed25519-sha256" : "rsa-sha256");
    const problem = signingKeyProblem(key, algorithm);
    if (problem) throw new CliError(ExitCode.Usage, `--key ${flags.key[i]}: ${problem}`);
    requests.push({
      domain: flags.domain.replace(/\.$/, ""),
      selector: flags.selector[i]!,
      privateKey: key,
      algorithm,
      headerCanon: hc,
      bodyCanon: bc,
      headers,
      oversign: flags.oversign,
      timestamp: now,
      ...(expiry !== undefined ? { expiration: now + expiry } : {}),
      ...(flags.identity !== undefined ? { identity: flags.identity } : {}),
      bodyLength: flags.bodyLength,
    });
  }
  return requests;
}

/** Seconds in an --expire value; x= must stay a number of at most 12 digits (RFC 6376 §3.5). */
export function durationSeconds(s: string, now: number): number {
  const m = DURATION.exec(s.trim())!;
  const n = Number(m[1]) * UNIT[m[2]!]!;
  if (n <= 0) throw new CliError(ExitCode.Usage, `--expire: "${s}" must be longer than 0 seconds`);
  if (!Number.isSafeInteger(now + n) || now + n > MAX_TIMESTAMP) {
    throw new CliError(ExitCode.Usage, `--expire: "${s}" is too long (x= would pass 12 digits)`);
  }
  return n;
}

async function runSign(ctx: CommandContext, file: string | undefined, flags: SignFlags): Promise<void> {
  const now = Math.floor(ctx.now().getTime() / 1000);
  const requests = await buildRequests(ctx, flags, now);
  const dkRequest = flags.domainkeys ? domainKeysRequest(flags, requests) : undefined;
  const outPath = flags.out === undefined ? undefined : resolve(ctx.cwd, flags.out);
  if (outPath && !flags.force && (await exists(outPath))) {
    throw new CliError(ExitCode.Usage, `${outPath} already exists; not overwriting it (use --force)`);
  }
  if (flags.identity !== undefined && !/@/.test(flags.identity)) {
    throw new CliError(
      ExitCode.Usage,
      `--identity: "${flags.identity}" must contain "@" (like user@${flags.domain} or @${flags.domain})`,
    );
  }
  const source = await messageSource(ctx, file, true);
  try {
    let result;
    try {
      result = await signMessage(source.open(), requests, dkRequest);
    } catch (err) {
      if (err instanceof RangeError) throw new CliError(ExitCode.Usage, err.message);
      if (err instanceof CliError) throw err;
      throw inputError(source.label, err);
    }
    if (result.kind === "problem") {
      const why =
        result.problem.kind === "no-from"
          ? "the message has no From: field (RFC 5322 requires one, and DKIM must sign it: RFC 6376 §5.4)"
          : describeMessageProblem(result.problem);
      throw new CliError(ExitCode.Usage, `${source.label}: ${why}`);
    }
    const eol = result.lineEnding === "LF" ? "\n" : "\r\n";
    const prefix = Buffer.from(
      result.fields.map((f) => `${f.replace(/\r\n/g, eol)}${eol}`).join(""),
      "latin1",
    );
    if (outPath) await writeSignedFile(outPath, prefix, source.open, flags.force);
    else if (!flags.json) await writeSignedStdout(ctx, prefix, source.open(), source.label);
    if (flags.json) {
      const report = {
        signatures: result.fields.map((f, i) => ({
          kind: i < requests.length ? "dkim" : "domainkeys",
          ...(i < requests.length
            ? {
                domain: requests[i]!.domain,
                selector: requests[i]!.selector,
                algorithm: requests[i]!.algorithm,
                signedHeaders: result.signedHeaders[i],
              }
            : {
                domain: dkRequest!.domain,
                selector: dkRequest!.selector,
                algorithm: "rsa-sha1",
                method: dkRequest!.method,
              }),
          field: f,
        })),
        lineEnding: result.lineEnding,
        out: outPath ?? null,
      };
      ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
    }
  } finally {
    await source.dispose();
  }
}

/** The DomainKeys request of --domainkeys: the first RSA key's domain, selector and key. */
export function domainKeysRequest(flags: SigningFlags, requests: DkimSignRequest[]) {
  const rsa = requests.find((r) => r.algorithm === "rsa-sha256");
  if (!rsa)
    throw new CliError(
      ExitCode.Usage,
      "--domainkeys needs an RSA --key (DomainKeys has no Ed25519, RFC 4870)",
    );
  return {
    domain: rsa.domain,
    selector: rsa.selector,
    privateKey: rsa.privateKey,
    method: flags.method,
    ...(rsa.headers ? { headers: [...rsa.headers] } : {}),
  };
}

/** Writes prefix + the original bytes to stdout, only after every signature is complete. */
async function writeSignedStdout(
  ctx: CommandContext,
  prefix: Buffer,
  body: NodeJS.ReadableStream,
  label: string,
): Promise<void> {
  const raw = ctx.writeOut ?? (async (b: Buffer) => ctx.stdout(b.toString("latin1")));
  const write = async (b: Buffer) => {
    try {
      await raw(b);
    } catch (err) {
      throw new CliError(ExitCode.Usage, `cannot write to standard output: ${describeFsError(err)}`, {
        cause: err,
      });
    }
  };
  await write(prefix);
  const it = body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<unknown>;
    try {
      next = await it.next();
    } catch (err) {
      throw inputError(label, err);
    }
    if (next.done) break;
    await write(next.value as Buffer);
  }
}

/** Writes prefix + the original bytes to a temp file beside `path`, then renames it over `path`. */
async function writeSignedFile(
  path: string,
  prefix: Buffer,
  open: () => NodeJS.ReadableStream,
  force: boolean,
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fh = await fsp.open(tmp, "wx", 0o644);
    try {
      await fh.write(prefix);
      for await (const chunk of open()) await fh.write(chunk as Buffer);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (!force && (await exists(path))) throw Object.assign(new Error("already exists"), { code: "EEXIST" });
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw new CliError(ExitCode.Usage, `cannot write ${path}: ${describeFsError(err)}`, { cause: err });
  }
}
