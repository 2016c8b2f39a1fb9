/**
 * The wizard's record in its whole include tree, before it is published: spf-lint's tree walk
 * (`lintSpfDomain`) runs against a resolver that answers the domain's TXT query with the new record
 * and passes every other query through. So the count covers the lookups inside included records.
 */
import type { Resolver } from "../dns/resolver.js";
import { MAX_DNS_LOOKUPS } from "./check-state.js";
import { lintSpfDomain, type LintFinding } from "./lint.js";

/** What the tree walk found for a planned record. */
export interface PlannedTree {
  /** DNS-querying terms of the record and every record it includes (RFC 7208 §4.6.4). */
  totalLookups: number;
  /** Reasons not to publish: the tree needs more than 10 lookups. */
  problems: string[];
  /** Findings in the included records (and tree-wide ones such as too many void lookups). */
  warnings: string[];
}

/** Record-level codes `lintSpfRecord` already reports through `buildSpfRecord`. */
const RECORD_LEVEL = new Set([
  "SYNTAX",
  "PTR",
  "PLUS_ALL",
  "NEUTRAL_ALL",
  "AFTER_ALL",
  "REDIRECT_IGNORED",
  "MACRO",
  "NO_ALL",
  "MANY_TERMS",
  "LENGTH",
  "LONG_STRING",
  "LOOKUP_LIMIT",
]);

/** `resolver` with the TXT answer of `domain` replaced by `record`. */
function overlay(resolver: Resolver, domain: string, record: string): Resolver {
  const key = domain.replace(/\.$/, "").toLowerCase();
  return {
    txt: (name) =>
      name.replace(/\.$/, "").toLowerCase() === key
        ? Promise.resolve({ kind: "ok", records: [record] })
        : resolver.txt(name),
    a: (name) => resolver.a(name),
    aaaa: (name) => resolver.aaaa(name),
    mx: (name) => resolver.mx(name),
    ptr: (ip) => resolver.ptr(ip),
  };
}

function describe(f: LintFinding, root: string): string {
  return f.domain && f.domain !== root ? `in ${f.domain}'s record: ${f.message}` : f.message;
}

/**
 * Walks the tree of `record` as if it were published at `domain`. Never throws; DNS errors in
 * included records become warnings (a check reaching them would give temperror). Does not look at
 * the domain's currently published record.
 */
export async function lintPlannedSpf(
  domain: string,
  record: string,
  o: { resolver: Resolver; timeBudgetMs?: number },
): Promise<PlannedTree> {
  const root = domain.replace(/\.$/, "").toLowerCase();
  const report = await lintSpfDomain(root, {
    resolver: overlay(o.resolver, root, record),
    timeBudgetMs: o.timeBudgetMs ?? 10_000,
  });
  const problems: string[] = [];
  const warnings: string[] = [];
  if (report.totalLookups > MAX_DNS_LOOKUPS) {
    problems.push(
      `with its included records the domain needs ${report.totalLookups} DNS lookups; receivers give permerror above ${MAX_DNS_LOOKUPS} (RFC 7208 §4.6.4)`,
    );
  }
  for (const f of report.findings) {
    const own = !f.domain || f.domain === root;
    if (f.code === "LOOKUP_LIMIT" || (own && RECORD_LEVEL.has(f.code))) continue;
    warnings.push(describe(f, root));
  }
  return { totalLookups: report.totalLookups, problems, warnings };
}
