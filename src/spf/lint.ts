/**
 * spf-lint: the whole include/redirect tree of a domain, independent of any client IP, with the
 * DNS-lookup count per branch and in total (counted past 10), void lookups and findings.
 */

import type { Resolver } from "../dns/resolver.js";
import { checkDns, type CheckDns } from "./check-dns.js";
import { MAX_DNS_LOOKUPS, MAX_MX_NAMES, MAX_VOID_LOOKUPS, queryableName } from "./check-state.js";
import { hasMacro, isLookupTerm, lintSpfRecord, type LintFinding } from "./lint-record.js";
import { parseSpfRecord } from "./parser.js";
import { selectSpfRecord } from "./select.js";
import type { Term } from "./types.js";

export { countLookupTerms, lintSpfRecord, type LintFinding, type LintSeverity } from "./lint-record.js";

/** One domain in the tree. */
export interface LintNode {
  domain: string;
  /** How it was reached. */
  via: "root" | "include" | "redirect";
  /** The term that led here ("include:_spf.example.net"), null for the root. */
  term: string | null;
  /** The SPF record, or null when there is none (or it could not be fetched). */
  record: string | null;
  /** DNS-querying terms in this record. */
  ownLookups: number;
  /** This record's plus all of its descendants'. */
  branchLookups: number;
  /** Void lookups found by a, mx and exists terms with fixed names in this record. */
  voidLookups: number;
  findings: LintFinding[];
  children: LintNode[];
}

/** The result of lintSpfDomain. */
export interface LintReport {
  domain: string;
  tree: LintNode;
  /** DNS-querying terms of the whole tree, counted past 10 (the first record lookup does not count, §4.6.4). */
  totalLookups: number;
  lookupLimit: number;
  totalVoidLookups: number;
  voidLimit: number;
  /** All findings of the tree, each with its domain. */
  findings: LintFinding[];
  /** "error" when any finding is an error, else "warning" when any is a warning, else "clean". */
  verdict: "clean" | "warning" | "error";
}

/** Options of lintSpfDomain. */
export interface LintOptions {
  resolver: Resolver;
  /** Void-lookup limit used for the VOID_LIMIT finding (default 2). */
  voidLimit?: number;
  /** DNS time for the whole walk, in ms (default 30 000). */
  timeBudgetMs?: number;
}

/** Most domains visited, so hostile trees stay bounded. */
const MAX_NODES = 200;

interface Walk {
  dns: CheckDns;
  nodes: number;
}

function staticTarget(t: Term, domain: string): string | null {
  if (hasMacro(t)) return null;
  const spec = t.type === "modifier" ? t.value : "domainSpec" in t.mechanism ? t.mechanism.domainSpec : null;
  return (spec ?? domain).replace(/\.$/, "");
}

async function voidCheck(w: Walk, t: Term, name: string, findings: LintFinding[]): Promise<boolean> {
  if (t.type !== "directive" || !queryableName(name)) return false;
  const span = { text: t.text, start: t.start, end: t.end };
  const k = t.mechanism.kind;
  if (k === "a") {
    const [a, aaaa] = await Promise.all([w.dns.a(name), w.dns.aaaa(name)]);
    if (a.kind === "error" || aaaa.kind === "error") return false;
    return a.kind !== "ok" && aaaa.kind !== "ok";
  }
  if (k === "exists") return (await w.dns.a(name)).kind !== "ok";
  if (k === "mx") {
    const mx = await w.dns.mx(name);
    if (mx.kind === "ok" && mx.records.length > MAX_MX_NAMES) {
      findings.push({
        severity: "error",
        code: "MX_LIMIT",
        message: `${name} has ${mx.records.length} MX names; over ${MAX_MX_NAMES} is a permerror (RFC 7208 §4.6.4)`,
        term: span,
      });
    }
    return mx.kind === "nxdomain" || mx.kind === "nodata";
  }
  return false;
}

async function visit(
  w: Walk,
  domain: string,
  via: LintNode["via"],
  term: string | null,
  path: string[],
): Promise<LintNode> {
  const node: LintNode = {
    domain,
    via,
    term,
    record: null,
    ownLookups: 0,
    branchLookups: 0,
    voidLookups: 0,
    findings: [],
    children: [],
  };
  w.nodes++;
  const txt = await w.dns.txt(domain);
  if (txt.kind === "error") {
    node.findings.push({
      severity: "error",
      code: "DNS_ERROR",
      message: `TXT ${domain}: ${txt.detail} (a check would give temperror)`,
    });
    return node;
  }
  const sel = selectSpfRecord(txt.kind === "ok" ? txt.records : []);
  if (sel.kind !== "one") {
    const none = sel.kind === "none";
    const code = none
      ? via === "root"
        ? "NO_RECORD"
        : via === "include"
          ? "INCLUDE_NONE"
          : "REDIRECT_NONE"
      : "MULTIPLE_RECORDS";
    const message = none
      ? `${domain} has no SPF record${via === "root" ? "" : ` (a check reaching this ${via} gives permerror)`}`
      : `${domain} has ${sel.records.length} SPF records; exactly one is allowed (RFC 7208 §4.5)`;
    node.findings.push({ severity: "error", code, message });
    if (!none) node.record = sel.records.join(" | ");
    return node;
  }
  node.record = sel.record;
  node.findings.push(...lintSpfRecord(sel.record).filter((f) => f.code !== "LOOKUP_LIMIT"));
  const parsed = parseSpfRecord(sel.record);
  if (!parsed.ok) return node;
  const hasAll = parsed.record.terms.some((t) => t.type === "directive" && t.mechanism.kind === "all");
  for (const t of parsed.record.terms) {
    if (!isLookupTerm(t)) continue;
    node.ownLookups++;
    const target = staticTarget(t, domain);
    if (target === null) continue;
    const isInclude = t.type === "directive" && t.mechanism.kind === "include";
    const isRedirect = t.type === "modifier";
    if (!isInclude && !isRedirect) {
      if (await voidCheck(w, t, target, node.findings)) node.voidLookups++;
      continue;
    }
    if (isRedirect && hasAll) continue; // never followed (RFC 7208 §6.1)
    const key = target.toLowerCase();
    if (path.includes(key)) {
      node.findings.push({
        severity: "error",
        code: "LOOP",
        message: `${t.text} loops back to ${target} (a check ends in permerror)`,
        term: { text: t.text, start: t.start, end: t.end },
      });
      continue;
    }
    if (w.nodes >= MAX_NODES) {
      node.findings.push({
        severity: "error",
        code: "TOO_BIG",
        message: `more than ${MAX_NODES} records in the tree; stopped at ${t.text}`,
      });
      break;
    }
    node.children.push(await visit(w, target, isInclude ? "include" : "redirect", t.text, [...path, key]));
  }
  node.branchLookups = node.ownLookups + node.children.reduce((n, c) => n + c.branchLookups, 0);
  return node;
}

function flatten(n: LintNode): LintFinding[] {
  return [...n.findings.map((f) => ({ ...f, domain: n.domain })), ...n.children.flatMap(flatten)];
}

function sumVoids(n: LintNode): number {
  return n.voidLookups + n.children.reduce((s, c) => s + sumVoids(c), 0);
}

/**
 * Walks the SPF tree of `domain` (include and followed redirect targets with fixed names; macro
 * targets are reported, not followed). Counts every DNS-querying term whether or not a check would
 * reach it (coppertone#56), past 10, and adds tree findings: LOOKUP_LIMIT and VOID_LIMIT (errors),
 * includes of domains without SPF, several records, loops, DNS errors. Never throws; DNS errors
 * become DNS_ERROR findings. Each name is queried once.
 */
export async function lintSpfDomain(domain: string, opts: LintOptions): Promise<LintReport> {
  const dns = checkDns(opts.resolver, opts.timeBudgetMs ?? 30_000);
  const voidLimit = opts.voidLimit ?? MAX_VOID_LOOKUPS;
  const name = domain.replace(/\.$/, "").toLowerCase();
  try {
    const tree = await visit({ dns, nodes: 0 }, name, "root", null, [name]);
    const findings = flatten(tree);
    const totalVoidLookups = sumVoids(tree);
    if (tree.branchLookups > MAX_DNS_LOOKUPS) {
      findings.push({
        severity: "error",
        code: "LOOKUP_LIMIT",
        domain: name,
        message: `${tree.branchLookups} DNS-querying terms in the tree; over ${MAX_DNS_LOOKUPS} gives permerror when a check reaches the 11th (RFC 7208 §4.6.4)`,
      });
    }
    if (totalVoidLookups > voidLimit) {
      findings.push({
        severity: "error",
        code: "VOID_LIMIT",
        domain: name,
        message: `${totalVoidLookups} terms look up names that do not exist or have no addresses; over ${voidLimit} gives permerror (RFC 7208 §4.6.4)`,
      });
    }
    const verdict = findings.some((f) => f.severity === "error")
      ? "error"
      : findings.length
        ? "warning"
        : "clean";
    return {
      domain: name,
      tree,
      totalLookups: tree.branchLookups,
      lookupLimit: MAX_DNS_LOOKUPS,
      totalVoidLookups,
      voidLimit,
      findings,
      verdict,
    };
  } finally {
    dns.close();
  }
}
