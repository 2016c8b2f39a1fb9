/** `check-spf --batch`: JSON lines in, one JSON line out per input line, in order, with one shared DNS cache. */

import { resolve } from "node:path";
import { cachingResolver } from "../dns/caching-resolver.js";
import type { Resolver } from "../dns/resolver.js";
import { checkSpf, type SpfScope } from "../spf/identities.js";
import { createParseCache, type ParseCache } from "../spf/parse-cache.js";
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

/** The names of the input fields, as problems mention them. */
const FIELD_NAMES = { ip: "ip", sender: "sender", helo: "helo" };

/** The output object for one input line (never throws). */
async function oneLine(
  line: string,
  n: number,
  opts: BatchOptions & { parseCache: ParseCache },
): Promise<Record<string, unknown>> {
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
  const input = checkInput(parsed as Record<string, unknown>, opts.scope, FIELD_NAMES);
  if ("problem" in input) return { line: n, error: input.problem };
  const ids = await checkSpf({
    ip: input.ip,
    sender: input.sender,
    helo: input.helo ?? "", // what checkSpf assumes for a missing HELO
    scope: opts.scope,
    resolver: opts.resolver,
    receiver: opts.receiver,
    voidLimit: opts.voidLimit,
    dualStackVoids: opts.dualStackVoids,
    timeBudgetMs: opts.timeBudgetMs,
    now: opts.now,
    parseCache: opts.parseCache,
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

/** Output is written in chunks of about this many characters (one write per line is slow). */
const OUT_CHUNK = 64 * 1024;

/**
 * The non-blank lines of `text` with their 1-based line numbers, found one at a time (no array
 * of all lines is built up front).
 */
function* inputLines(text: string): Generator<{ l: string; n: number }> {
  let n = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    n++;
    const l = text.slice(start, end).trim();
    if (l !== "") yield { l, n };
    start = end + 1;
  }
}

/**
 * Reads JSON lines from `source` (a file, or "-" for stdin), checks them with up to
 * `concurrency` at once through one TTL-respecting DNS cache and one parse cache shared by the
 * whole run, and writes one JSON line per non-blank input line in input order as soon as it and
 * all before it are done (in chunks). A malformed line yields `{"line":N,"error":…}` and the run
 * goes on. Returns 0, or Usage (2) when any line was malformed.
 */
export async function runBatch(ctx: CommandContext, source: string, base: BatchOptions): Promise<number> {
  const text = await readInput(ctx, source);
  const lines = inputLines(text);
  const opts = {
    ...base,
    resolver: cachingResolver(base.resolver, { now: () => ctx.now().getTime() }),
    parseCache: createParseCache(),
  };
  // Finished lines waiting for an earlier one, by input index; `written` is the next index due.
  const done = new Map<number, string>();
  let taken = 0;
  let written = 0;
  let pending = "";
  let malformed = false;
  const flush = (force: boolean): void => {
    for (let out = done.get(written); out !== undefined; out = done.get(written)) {
      done.delete(written++);
      pending += out;
    }
    if (pending.length >= OUT_CHUNK || (force && pending !== "")) {
      ctx.stdout(pending);
      pending = "";
    }
  };
  const worker = async (): Promise<void> => {
    for (let next = lines.next(); !next.done; next = lines.next()) {
      const i = taken++;
      const { l, n } = next.value;
      let r: Record<string, unknown>;
      try {
        r = await oneLine(l, n, opts);
      } catch (err) {
        r = { line: n, error: `internal error: ${err instanceof Error ? err.message : String(err)}` };
      }
      if ("error" in r) malformed = true;
      done.set(i, `${JSON.stringify(r)}\n`);
      flush(false);
    }
  };
  await Promise.all(Array.from({ length: base.concurrency }, worker));
  flush(true);
  return malformed ? ExitCode.Usage : ExitCode.Ok;
}
