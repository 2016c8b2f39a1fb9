/**
 * The SPF record builder behind `spfdk spf-wizard`: a plan (which hosts send mail for a domain)
 * becomes one `v=spf1` record, its DNS-lookup count and warnings. Pure: no DNS, no I/O.
 */
import { lintSpfRecord } from "./lint-record.js";
import {
  existsProblem,
  hostBitsSet,
  hostProblem,
  isPrivateIp4,
  normalizeHost,
  parseNetwork,
} from "./record-builder-terms.js";

/** The result for hosts the record does not list: `~all`, `-all` or `?all` (RFC 7208 §4.6.2, §8). */
export type AllPolicy = "softfail" | "fail" | "neutral";

/** The qualifier written before `all` for each policy. */
export const ALL_QUALIFIER: Readonly<Record<AllPolicy, "~" | "-" | "?">> = {
  softfail: "~",
  fail: "-",
  neutral: "?",
};

/** RFC 7208 §4.6.4: at most 10 terms that cause DNS lookups (include, a, mx, ptr, exists, redirect). */
export const MAX_DNS_LOOKUPS = 10;
/** RFC 7208 §3.4: the record should fit, with the rest of the answer, in a 512-octet UDP reply. */
export const MAX_RECORD_BYTES = 512;
/** Warn when this many of the 10 lookups are used up by the record's own terms. */
export const LOOKUPS_WARNING = 8;

/** What the admin answered: which hosts send mail from `domain`. Lists may be empty. */
export interface SpfPlan {
  /** The domain the record is published at (used to catch `include:` of itself, `a:` of itself). */
  domain: string;
  /** `a`: the domain's own A/AAAA hosts send mail. */
  a: boolean;
  /** `a:host` terms. */
  aHosts: string[];
  /** `mx`: the domain's MX hosts send mail. */
  mx: boolean;
  /** `mx:domain` terms: the MX hosts of other domains. */
  mxDomains: string[];
  /** `ip4:` networks (`192.0.2.1`, `192.0.2.0/24`). */
  ip4: string[];
  /** `ip6:` networks. */
  ip6: string[];
  /** `include:` third-party senders (their own SPF record is consulted). */
  include: string[];
  /** `exists:` domain-specs (macros allowed). */
  exists: string[];
  /** `ptr` (deprecated by RFC 7208 §5.5; offered only on request). */
  ptr: boolean;
  /** The result for every other host. */
  all: AllPolicy;
}

/** The outcome of `buildSpfRecord`. */
export interface SpfBuild {
  /** The record text, `v=spf1 … ~all`; built even when `problems` is not empty, so it can be shown. */
  record: string;
  /** The terms after `v=spf1`, in order. */
  terms: string[];
  /** DNS-querying terms in this record itself (RFC 7208 §4.6.4); included records add their own. */
  lookups: number;
  /** Reasons the record must not be published (bad answer, over 10 lookups, over 512 bytes). */
  problems: string[];
  /** Things worth knowing that do not make the record wrong. */
  warnings: string[];
}

/** A plan with every list empty, `mx` off and `~all`: the starting point for partial answers. */
export function emptySpfPlan(domain: string): SpfPlan {
  return {
    domain,
    a: false,
    aHosts: [],
    mx: false,
    mxDomains: [],
    ip4: [],
    ip6: [],
    include: [],
    exists: [],
    ptr: false,
    all: "softfail",
  };
}

interface Acc {
  terms: string[];
  lookups: number;
  problems: string[];
  warnings: string[];
}

/** Adds `prefix:name` terms, skipping duplicates (with a warning) and recording bad names. */
function addHosts(acc: Acc, prefix: string, names: string[], check: (n: string) => string | null): void {
  const seen = new Set<string>();
  for (const raw of names) {
    const name = normalizeHost(raw);
    const p = check(name);
    if (p !== null) {
      acc.problems.push(`${prefix}: ${p}`);
      continue;
    }
    if (seen.has(name)) {
      acc.warnings.push(`${prefix}:${name} is listed twice; kept once`);
      continue;
    }
    seen.add(name);
    acc.terms.push(`${prefix}:${name}`);
    acc.lookups++;
  }
}

/** Adds `ip4:`/`ip6:` terms with their warnings (host bits set, huge or private ranges); /0 is a problem. */
function addNetworks(acc: Acc, version: 4 | 6, networks: string[]): void {
  const seen = new Set<string>();
  for (const raw of networks) {
    const text = raw.trim();
    const n = parseNetwork(text, version);
    if (typeof n === "string") {
      acc.problems.push(`ip${version}: ${n}`);
      continue;
    }
    const term = `ip${version}:${text.toLowerCase()}`;
    if (n.prefix === 0) {
      // A /0 network matches every client of that family: a pass for all, which the wizard never
      // offers (it has no +all either).
      acc.problems.push(`${term} authorises every IPv${version} address, like +all; list your own networks`);
      continue;
    }
    const v4 = version === 6 ? ip4MappedAddress(n.address, n.prefix) : null;
    if (v4 !== null) {
      acc.problems.push(
        `${term} is an IPv4-mapped address: receivers check IPv4 clients against ip4: only (RFC 7208 §5); list ${v4} under ip4`,
      );
      continue;
    }
    if (seen.has(term)) {
      acc.warnings.push(`${term} is listed twice; kept once`);
      continue;
    }
    seen.add(term);
    acc.terms.push(term);
    if (hostBitsSet(n.address, n.prefix)) {
      acc.warnings.push(`${term} has bits set after /${n.prefix}; receivers ignore them (RFC 7208 §5.6)`);
    }
    const wide = version === 4 ? 8 : 16;
    if (n.prefix < wide) {
      acc.warnings.push(`${term} authorises a very large range (/${n.prefix}); check that this is meant`);
    }
    if (version === 4 && isPrivateIp4(n.address)) {
      acc.warnings.push(`${term} is a private or loopback range, which receivers on the Internet never see`);
    }
  }
}

/** The IPv4 form of a network inside ::ffff:0:0/96 (RFC 4291 §2.5.5.2), or null. */
function ip4MappedAddress(address: Uint8Array, prefix: number): string | null {
  const mapped = prefix >= 96 && address.slice(0, 10).every((b) => b === 0) && address[10] === 0xff;
  if (!mapped || address[11] !== 0xff) return null;
  const v4 = Array.from(address.slice(12)).join(".");
  return prefix === 128 ? v4 : `${v4}/${prefix - 96}`;
}

/**
 * Builds the `v=spf1` record for `plan`. Term order: a, a:, mx, mx:, ip4, ip6, include, exists,
 * ptr, all. Never throws: bad answers (including an ip4:/ip6: network of /0), more than 10 lookup terms (RFC 7208 §4.6.4) and a record over
 * 512 bytes (RFC 7208 §3.4) are listed in `problems`. The record also goes through spf-lint's
 * `lintSpfRecord`, whose warnings are added (and whose errors would be problems). Does not resolve anything, so lookups made
 * inside included records and the MX hosts' address lookups are not counted here (the second do not
 * count toward the limit; the first do, which a warning points out).
 */
export function buildSpfRecord(plan: SpfPlan): SpfBuild {
  const domain = normalizeHost(plan.domain);
  const acc: Acc = { terms: [], lookups: 0, problems: [], warnings: [] };
  if (plan.a) {
    acc.terms.push("a");
    acc.lookups++;
  }
  addHosts(acc, "a", plan.aHosts, (n) =>
    n === domain && plan.a ? `"${n}" is the domain itself, already covered by a` : hostProblem(n),
  );
  if (plan.mx) {
    acc.terms.push("mx");
    acc.lookups++;
  }
  addHosts(acc, "mx", plan.mxDomains, (n) =>
    n === domain && plan.mx ? `"${n}" is the domain itself, already covered by mx` : hostProblem(n),
  );
  addNetworks(acc, 4, plan.ip4);
  addNetworks(acc, 6, plan.ip6);
  addHosts(acc, "include", plan.include, (n) =>
    n === domain ? `"${n}" is the domain itself; including it loops (RFC 7208 §5.2)` : hostProblem(n),
  );
  addHosts(acc, "exists", plan.exists, existsProblem);
  if (plan.ptr) {
    acc.terms.push("ptr");
    acc.lookups++;
  }
  acc.terms.push(`${ALL_QUALIFIER[plan.all]}all`);
  const record = ["v=spf1", ...acc.terms].join(" ");
  finalChecks(plan, record, acc);
  return { record, terms: acc.terms, lookups: acc.lookups, problems: acc.problems, warnings: acc.warnings };
}

function finalChecks(plan: SpfPlan, record: string, acc: Acc): void {
  if (acc.lookups > MAX_DNS_LOOKUPS) {
    acc.problems.push(
      `the record needs ${acc.lookups} DNS lookups; receivers give permerror above ${MAX_DNS_LOOKUPS} (RFC 7208 §4.6.4)`,
    );
  } else if (acc.lookups >= LOOKUPS_WARNING) {
    acc.warnings.push(`${acc.lookups} of ${MAX_DNS_LOOKUPS} DNS lookups used by this record alone`);
  }
  if (plan.include.length > 0) {
    acc.warnings.push("each include: also spends the lookups inside the included record (RFC 7208 §4.6.4)");
  }
  const bytes = Buffer.byteLength(record, "utf8");
  if (bytes > MAX_RECORD_BYTES) {
    acc.problems.push(
      `the record is ${bytes} bytes; keep it under ${MAX_RECORD_BYTES} so the answer fits one UDP reply (RFC 7208 §3.4)`,
    );
  }
  const authorises = acc.terms.length > 1;
  if (!authorises && plan.all !== "fail") {
    acc.warnings.push("the record lists no sender; for a domain that sends no mail publish v=spf1 -all");
  }
  // The same record checks as spf-lint (ptr, ?all, macros, length, …); the count is ours, above.
  for (const f of lintSpfRecord(record)) {
    if (f.code === "LOOKUP_LIMIT") continue;
    (f.severity === "error" ? acc.problems : acc.warnings).push(f.message);
  }
}
