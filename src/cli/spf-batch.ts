/** `check-spf --batch`: JSON lines in, one JSON line out per input line, in order, with one shared DNS cache. */

import { resolve } from "node:path";
import { cachingResolver } from "../dns/caching-resolver.js";
import type { Resolver } from "../dns/resolver.js";
import { checkSpf, type SpfScope } from "../spf/identities.js";
import type { CommandContext } from "./deps.js";
import { ExitCode } from "./exit-codes.js";
import { readFileOrFail } from "./files.js";
import { checkInput } from "./spf-inputs.js";
import { exitCodeForIdentities, identityJson } from "./spf-render.js";

/** Options of a batch run. */
export interface BatchOptions {
  resolver: Resolver;
  receiver: string;
  voidLimit: number;
  dualStackVoids: boolean;
  timeBudgetMs: number;
  now: () => Date;
  scope: SpfScope;
  concurrency: number;
}

async function readInput(ctx: CommandContext, source: string): Promise<string> {
  if (source !== "-") return (await readFileOrFail(resolve(ctx.cwd, source), "batch file")).toString("utf8");
  const chunks: Buffer[] = [];
  for await (const c of ctx.stdin()) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString("utf8");
}

/** The output object for one input line (never throws). */
async function oneLine(line: string, n: number, opts: BatchOptions): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { line: n, error: "not valid JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return {
      line: n,
      error: 'expected an object like {"ip":"192.0.2.1","sender":"a@example.com","helo":"mx.example.com"}',
    };
  }
  const input = checkInput(parsed as Record<string, unknown>, opts.scope, {
    ip: "ip",
    sender: "sender",
    helo: "helo",
  });
  if ("problem" in input) return { line: n, error: input.problem };
  const ids = await checkSpf({
    ...input,
    scope: opts.scope,
    resolver: opts.resolver,
    receiver: opts.receiver,
    voidLimit: opts.voidLimit,
    dualStackVoids: opts.dualStackVoids,
    timeBudgetMs: opts.timeBudgetMs,
    now: opts.now,
  });
  return {
    line: n,
    ip: input.ip,
    sender: input.sender,
    helo: input.helo ?? null,
    exitCode: exitCodeForIdentities(ids),
    results: ids.map(identityJson),
  };
}

/**
 * Reads JSON lines from `source` (a file, or "-" for stdin), checks them with up to
 * `concurrency` at once through one TTL-respecting cache shared by the whole run, and writes one
 * JSON line per non-blank input line in input order as soon as it and all before it are done.
 * A malformed line yields `{"line":N,"error":…}` and the run goes on. Returns 0, or Usage (2)
 * when any line was malformed.
 */
export async function runBatch(ctx: CommandContext, source: string, base: BatchOptions): Promise<number> {
  const text = await readInput(ctx, source);
  const lines = text
    .split(/\r?\n/)
    .map((l, i) => ({ l: l.trim(), n: i + 1 }))
    .filter((x) => x.l !== "");
  const opts = { ...base, resolver: cachingResolver(base.resolver, { now: () => ctx.now().getTime() }) };
  const results: (Record<string, unknown> | undefined)[] = new Array(lines.length);
  let next = 0;
  let written = 0;
  let malformed = false;
  const flush = (): void => {
    while (written < lines.length && results[written] !== undefined) {
      const r = results[written]!;
      if ("error" in r) malformed = true;
      ctx.stdout(`${JSON.stringify(r)}\n`);
      results[written] = {};
      written++;
    }
  };
  const worker = async (): Promise<void> => {
    while (next < lines.length) {
      const i = next++;
      const { l, n } = lines[i]!;
      try {
        results[i] = await oneLine(l, n, opts);
      } catch (err) {
        results[i] = {
          line: n,
          error: `internal error: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(base.concurrency, Math.max(1, lines.length)) }, worker));
  flush();
  return malformed ? ExitCode.Usage : ExitCode.Ok;
}
