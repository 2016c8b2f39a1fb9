/**
 * spf-lint: the whole include/redirect tree of a domain, independent of any client IP, with the
 * DNS-lookup count per branch and in total (counted past 10), void lookups and findings.
 */

import type { DnsAnswer, Resolver } from "../dns/resolver.js";
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
  /** Void lookups found by a, mx and exists terms with fixed names in this record (void for every client). */
  voidLookups: number;
  /**
   * Void lookups seen by clients of one address family: an `a` term naming a host with only A
   * records is void for IPv6 clients (its AAAA query is empty), and one with only AAAA for IPv4 ones.
   */
  familyVoidLookups: FamilyVoids;
  findings: LintFinding[];
  children: LintNode[];
}

/** Void lookups as IPv4 and as IPv6 clients see them. */
export interface FamilyVoids {
  ipv4: number;
  ipv6: number;
}

/** The result of lintSpfDomain. */
export interface LintReport {
  domain: string;
  tree: LintNode;
  /** DNS-querying terms of the whole tree, counted past 10 (the first record lookup does not count, §4.6.4). */
  totalLookups: number;
  lookupLimit: number;
  totalVoidLookups: number;
  /** Void lookups of the tree per client address family (pyspf#40: IPv6 clients on IPv4-only hosts). */
  totalFamilyVoidLookups: FamilyVoids;
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

type FamilyVoid = { ipv4: boolean; ipv6: boolean } | null;

interface Walk {
  dns: CheckDns;
  nodes: number;
}

function staticTarget(t: Term, domain: string): string | null {
  if (hasMacro(t)) return null;
  const spec = t.type === "modifier" ? t.value : "domainSpec" in t.mechanism ? t.mechanism.domainSpec : null;
  return (spec ?? domain).replace(/\.$/, "");
}

const isEmpty = (a: DnsAnswer<unknown>): boolean =>
  a.kind === "nxdomain" || a.kind === "nodata" || (a.kind === "ok" && a.records.length === 0);

/** Whether term `t` (target `name`) is a void lookup for IPv4 and for IPv6 clients (null: not checkable). */
async function voidCheck(w: Walk, t: Term, name: string, findings: LintFinding[]): Promise<FamilyVoid> {
  if (t.type !== "directive" || !queryableName(name)) return null;
  const span = { text: t.text, start: t.start, end: t.end };
  const k = t.mechanism.kind;
  if (k === "a") {
    const [a, aaaa] = await Promise.all([w.dns.a(name), w.dns.aaaa(name)]);
    if (a.kind === "error" || aaaa.kind === "error") return null;
    return { ipv4: isEmpty(a), ipv6: isEmpty(aaaa) };
  }
  if (k === "exists") {
    const v = isEmpty(await w.dns.a(name)); // exists always asks A (RFC 7208 §5.7)
    return { ipv4: v, ipv6: v };
  }
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
    const v = isEmpty(mx);
    return { ipv4: v, ipv6: v };
  }
  return null;
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
    familyVoidLookups: { ipv4: 0, ipv6: 0 },
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
      ? `${domain} ${txt.kind === "nxdomain" ? "does not exist (NXDOMAIN)" : "has no SPF record"}${via === "root" ? "" : ` (a check reaching this ${via} gives permerror)`}`
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
      const v = await voidCheck(w, t, target, node.findings);
      if (v?.ipv4 && v.ipv6) node.voidLookups++;
      if (v?.ipv4) node.familyVoidLookups.ipv4++;
      if (v?.ipv6) node.familyVoidLookups.ipv6++;
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

function sumFamilyVoids(n: LintNode): FamilyVoids {
  return n.children
    .map(sumFamilyVoids)
    .reduce((s, c) => ({ ipv4: s.ipv4 + c.ipv4, ipv6: s.ipv6 + c.ipv6 }), { ...n.familyVoidLookups });
}

/** VOID_LIMIT_IPV4 / VOID_LIMIT_IPV6: over the limit for clients of one family only (pyspf#40). */
function familyVoidFindings(total: number, fam: FamilyVoids, limit: number, domain: string): LintFinding[] {
  if (total > limit) return [];
  return (["ipv4", "ipv6"] as const)
    .filter((f) => fam[f] > limit)
    .map((f) => {
      const [v, other, rr] = f === "ipv6" ? ["IPv6", "IPv4", "AAAA"] : ["IPv4", "IPv6", "A"];
      return {
        severity: "error" as const,
        code: f === "ipv6" ? "VOID_LIMIT_IPV6" : "VOID_LIMIT_IPV4",
        domain,
        message: `${fam[f]} terms are void lookups for ${v} clients (their names have no ${rr} records, e.g. ${other}-only hosts); over ${limit} gives permerror for mail from ${v} addresses unless the receiver discounts them (spfdk check-spf --dual-stack-voids) (RFC 7208 §4.6.4)`,
      };
    });
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
    const totalFamilyVoidLookups = sumFamilyVoids(tree);
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
    findings.push(...familyVoidFindings(totalVoidLookups, totalFamilyVoidLookups, voidLimit, name));
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
      totalFamilyVoidLookups,
      voidLimit,
      findings,
      verdict,
    };
  } finally {
    dns.close();
  }
}
