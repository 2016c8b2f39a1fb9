import { resolve } from "node:path";
import { Command, Option } from "commander";
import { domainNameProblem, selectorProblem } from "../dns/names.js";
import { bindTxtRecord, keyRecordName, keyRecordValue, splitTxtStrings } from "../dkim/key-record.js";
import { generateDkimKey, MIN_RSA_BITS, RSA_KEY_SIZES } from "../dkim/keygen.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { ensureDir, exists, writeFileAtomic } from "./files.js";
import {
  checked,
  choice,
  flag,
  flagError,
  integer,
  parseFlagRules,
  stringOr,
  type Rule,
} from "./flag-rules.js";
import { makeStyle } from "./style.js";

/** --bits: refuse under 1024 first (RFC 8301 §3.2), then only the offered sizes. */
const bitsRule: Rule<number | undefined> = {
  check: (v) => {
    const n = integer({ min: 0, max: 1_000_000, fallback: undefined }).check(v);
    if ("problem" in n || n.ok === undefined) return n;
    if (n.ok < MIN_RSA_BITS)
      return { problem: `RSA keys under ${MIN_RSA_BITS} bits are refused (RFC 8301); use 2048` };
    if (!(RSA_KEY_SIZES as readonly number[]).includes(n.ok))
      return { problem: `must be one of ${RSA_KEY_SIZES.join(", ")}` };
    return n;
  },
};

const FLAG_RULES = {
  domain: checked(domainNameProblem),
  selector: checked(selectorProblem),
  type: choice(["rsa", "ed25519"], "rsa"),
  bits: bitsRule,
  out: stringOr("."),
  testing: flag,
  domainkeys: flag,
  format: choice(["text", "bind", "json"], "text"),
  json: flag,
  force: flag,
};

function parseKeygenFlags(raw: unknown) {
  const flags = parseFlagRules(FLAG_RULES, raw);
  if (flags.type === "ed25519" && flags.bits !== undefined)
    throw flagError("bits", "applies only to RSA keys");
  if (flags.type === "ed25519" && flags.domainkeys) {
    throw flagError(
      "domainkeys",
      "DomainKeys (RFC 4870) supports only RSA keys; drop --domainkeys or use --type rsa",
    );
  }
  return flags;
}

/** `spfdk keygen`: create a key pair, write it safely, print the DNS record. */
export function makeCommand(ctx: CommandContext): Command {
  return new Command("keygen")
    .description("create a DKIM (or DomainKeys) key pair and print the selector._domainkey TXT record")
    .requiredOption("--domain <domain>", "signing domain (d=)")
    .requiredOption("--selector <selector>", "selector (s=)")
    .addOption(new Option("--type <type>", "key type").choices(["rsa", "ed25519"]).default("rsa"))
    .option("--bits <n>", "RSA key size: 1024, 2048 (default), 3072 or 4096")
    .option("--out <dir>", "directory for SELECTOR.private and SELECTOR.txt (created 0700)", ".")
    .option("--testing", "publish t=y (testing mode)")
    .option("--domainkeys", "legacy DomainKeys (RFC 4870) record form: k=rsa; p=… with no v=")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "bind", "json"]).default("text"),
    )
    .option("--json", "same as --format json")
    .option("--force", "replace existing key files, keeping timestamped backups")
    .addHelpText(
      "after",
      `
Examples:
  spfdk keygen --domain example.com --selector mail --out /etc/spfdk/keys
  spfdk keygen --domain example.com --selector ed1 --type ed25519 --out keys
  spfdk keygen --domain example.com --selector dk --domainkeys --testing --format bind`,
    )
    .action(async (raw: unknown) => {
      const flags = parseKeygenFlags(raw);
      const format = flags.json ? "json" : flags.format;
      const dir = resolve(ctx.cwd, flags.out);
      const privatePath = resolve(dir, `${flags.selector}.private`);
      const recordPath = resolve(dir, `${flags.selector}.txt`);
      if (!flags.force) {
        for (const p of [privatePath, recordPath]) {
          if (await exists(p)) {
            throw new CliError(
              ExitCode.Usage,
              `${p} already exists; not overwriting it (use --force to replace it, keeping a backup)`,
            );
          }
        }
      }
      const bits = flags.type === "rsa" ? (flags.bits ?? 2048) : 256;
      const warnings: string[] = [];
      if (flags.type === "rsa" && bits === 1024) {
        warnings.push("1024-bit RSA is the smallest size RFC 8301 allows; 2048 bits is recommended");
      }
      await ensureDir(dir, 0o700);
      const key = await generateDkimKey(flags.type, bits);
      const name = keyRecordName(flags.selector, flags.domain);
      const value = keyRecordValue({
        type: key.type,
        publicKey: key.publicKeyB64,
        testing: flags.testing,
        form: flags.domainkeys ? "domainkeys" : "dkim",
      });
      const bind = bindTxtRecord(name, value);
      const now = ctx.now();
      const priv = await writeFileAtomic(privatePath, key.privateKeyPem, {
        mode: 0o600,
        force: flags.force,
        now,
        what: "private key",
      });
      const rec = await writeFileAtomic(recordPath, `${bind}\n`, {
        mode: 0o644,
        force: flags.force,
        now,
        what: "record file",
      });
      const result = {
        domain: flags.domain.replace(/\.$/, ""),
        selector: flags.selector,
        type: key.type,
        bits: key.bits,
        form: flags.domainkeys ? "domainkeys" : "dkim",
        testing: flags.testing,
        privateKeyFile: privatePath,
        recordFile: recordPath,
        backups: [priv.backup, rec.backup].filter((b): b is string => b !== null),
        record: { name, type: "TXT", value, strings: splitTxtStrings(value), bind },
        warnings,
      };
      if (format === "json") {
        ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      for (const w of warnings) ctx.stderr(`spfdk: warning: ${w}\n`);
      if (format === "bind") {
        ctx.stdout(`${bind}\n`);
        return;
      }
      const s = makeStyle(ctx.color());
      const lines = [
        s.ok(
          `Created ${key.type === "rsa" ? `RSA ${key.bits}-bit` : "Ed25519"} key, selector "${result.selector}" for ${result.domain}`,
        ),
        `  private key: ${privatePath} (mode 0600)`,
        `  record file: ${recordPath}`,
        ...result.backups.map((b) => `  backup:      ${b}`),
        "",
        s.heading("Publish this TXT record:"),
        `  name:  ${name}`,
        `  value: ${value}`,
        "",
        s.heading("Zone-file line (strings of at most 255 bytes):"),
        bind,
      ];
      ctx.stdout(`${lines.join("\n")}\n`);
    });
}
