/**
 * A memo of pure parses for runs that evaluate many checks (`check-spf --batch`): SPF record
 * texts to their parse results, and domain-specs to their macro tokens. Parsing is a pure function
 * of the text, so a cached parse gives exactly the result a fresh one would. The memo is an
 * object the caller creates and passes in (CheckHostOptions.parseCache); nothing is module-level.
 */

import { domainNameProblem } from "../dns/names.js";
import { parseMacroString, type MacroContext, type MacroToken } from "./macro.js";
import { parseSpfRecord, type ParseResult } from "./parser.js";

/** Entries kept per table; past this a table is emptied and refills (bounds memory on long runs). */
export const PARSE_CACHE_LIMIT = 10_000;

/** Parsed macro-string: tokens, or the problem. */
export type MacroParse = ReturnType<typeof parseMacroString>;

/** The memo tables. Create one with `createParseCache()`; share it between the checks of a run. */
export interface ParseCache {
  readonly records: Map<string, ParseResult>;
  readonly macros: Map<string, MacroParse>;
  readonly domains: Map<string, string | null>;
}

/** A new, empty parse cache. */
export function createParseCache(): ParseCache {
  return { records: new Map(), macros: new Map(), domains: new Map() };
}

function memo<V>(table: Map<string, V>, key: string, make: (k: string) => V): V {
  let v = table.get(key);
  if (v === undefined && !table.has(key)) {
    v = make(key);
    if (table.size >= PARSE_CACHE_LIMIT) table.clear();
    table.set(key, v);
  }
  return v as V;
}

/**
 * The parse of an SPF record text (parseSpfRecord), from `cache` when given. Parse results are
 * shared between checks: callers must not mutate them.
 */
export function parseRecordCached(cache: ParseCache | undefined, text: string): ParseResult {
  return cache ? memo(cache.records, text, parseSpfRecord) : parseSpfRecord(text);
}

/** The tokens of a macro-string (parseMacroString), from `cache` when given. */
export function parseMacroCached(
  cache: ParseCache | undefined,
  text: string,
  context: MacroContext,
): MacroParse | { tokens: MacroToken[] } {
  if (!cache || context !== "domain") return parseMacroString(text, context);
  return memo(cache.macros, text, (t) => parseMacroString(t, "domain"));
}

/** domainNameProblem(name), from `cache` when given. */
export function domainProblemCached(cache: ParseCache | undefined, name: string): string | null {
  return cache ? memo(cache.domains, name, domainNameProblem) : domainNameProblem(name);
}
