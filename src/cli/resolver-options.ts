import { resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULT_TIMEOUT_MS, DEFAULT_TRIES, nodeResolver, parseServerSpec } from "../dns/node-resolver.js";
import type { Resolver } from "../dns/resolver.js";
import { staticResolver } from "../dns/static-resolver.js";
import { parseZoneFile, ZoneFileError } from "../dns/zone-file.js";
import type { CommandContext } from "./deps.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { readFileOrFail } from "./files.js";

/** The raw option values `addResolverOptions` adds (commander camel-cases them). */
export interface ResolverFlags {
  dns?: string;
  zone?: string;
  timeout?: string;
  tries?: string;
}

/** Largest accepted --timeout, in milliseconds. */
export const MAX_TIMEOUT_MS = 60_000;
/** Largest accepted --tries. */
export const MAX_TRIES = 10;

/**
 * Adds `--dns <host[:port]>`, `--zone <file>`, `--timeout <ms>` and `--tries <n>` to `cmd` and returns it.
 * Values are checked later by `resolverFromOptions` (so the error names the flag in one line).
 */
export function addResolverOptions(cmd: Command): Command {
  return cmd
    .option(
      "--dns <host[:port]>",
      "query this DNS server (IPv4 192.0.2.1:53 or IPv6 [2001:db8::1]:53) instead of the system's",
    )
    .option("--zone <file>", "answer DNS queries from this BIND-style zone file (no network)")
    .option("--timeout <ms>", `DNS timeout per try, in milliseconds (default ${DEFAULT_TIMEOUT_MS})`)
    .option("--tries <n>", `DNS tries per server (default ${DEFAULT_TRIES})`);
}

/** A whole number from `min` to `max` given to `flag`, or CliError(Usage). */
function integerFlag(flag: string, value: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new CliError(ExitCode.Usage, `${flag}: "${value}" must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

/**
 * The resolver a subcommand uses: `ctx.resolver` when one is injected (tests); else, with `--zone`,
 * a static resolver over the parsed file (relative paths from `ctx.cwd`); else the real client on the
 * system's servers or the `--dns` server. Throws CliError(Usage), one line, for `--dns` with `--zone`,
 * a bad `--dns`, `--timeout` or `--tries` value, or a zone file that cannot be read or parsed.
 * Queries are traced through `ctx.trace` (shown with --verbose).
 */
export async function resolverFromOptions(ctx: CommandContext, opts: ResolverFlags): Promise<Resolver> {
  if (opts.dns !== undefined && opts.zone !== undefined) {
    throw new CliError(
      ExitCode.Usage,
      "--dns and --zone cannot be used together (--zone answers without any network)",
    );
  }
  const timeoutMs =
    opts.timeout === undefined
      ? DEFAULT_TIMEOUT_MS
      : integerFlag("--timeout", opts.timeout, 1, MAX_TIMEOUT_MS);
  const tries = opts.tries === undefined ? DEFAULT_TRIES : integerFlag("--tries", opts.tries, 1, MAX_TRIES);
  let servers: string[] | undefined;
  if (opts.dns !== undefined) {
    try {
      servers = [parseServerSpec(opts.dns)];
    } catch (err) {
      throw new CliError(ExitCode.Usage, `--dns: ${(err as Error).message}`);
    }
  }
  if (ctx.resolver) return ctx.resolver;
  const trace = (line: string) => ctx.trace(line);
  if (opts.zone !== undefined) {
    const path = resolve(ctx.cwd, opts.zone);
    const text = (await readFileOrFail(path, "zone file")).toString("utf8");
    try {
      return staticResolver(parseZoneFile(text, { file: opts.zone }), { trace });
    } catch (err) {
      if (err instanceof ZoneFileError) throw new CliError(ExitCode.Usage, `--zone: ${err.message}`);
      throw err;
    }
  }
  return nodeResolver({ servers, timeoutMs, tries, trace });
}
