/** Evaluation of the a, mx, ptr, ip4, ip6 and exists mechanisms (RFC 7208 §5). */

import type { DnsAnswer, MxRecord } from "../dns/resolver.js";
import {
  countLookup,
  countVoid,
  dnsFailure,
  MAX_MX_NAMES,
  MAX_PTR_NAMES,
  queryableName,
  type CheckState,
  SpfAbort,
} from "./check-state.js";
import { formatIp, parseClientIp, samePrefix } from "./ip-address.js";
import { expandTokens, fitDomainName, type MacroToken } from "./macro.js";
import { parseMacroCached } from "./parse-cache.js";
import type { Mechanism, TermRef } from "./types.js";

function specTokens(state: CheckState, spec: string): MacroToken[] {
  const parsed = parseMacroCached(state.parseCache, spec, "domain");
  if ("problem" in parsed) {
    throw new SpfAbort({ result: "permerror", code: "BAD_MACRO", detail: parsed.problem });
  }
  return parsed.tokens;
}

function queryName(state: CheckState, spec: string, expanded: string): string {
  const name = fitDomainName(expanded);
  if (state.tracing && name !== spec) state.emit("note", `"${spec}" expands to "${name}"`);
  return name;
}

/**
 * The query name of a domain-spec without macros (one literal token: nothing to expand), or null
 * when it has macros and needs `expandDomainSpec`. Lets the common case go without an await.
 */
export function literalDomainSpec(state: CheckState, spec: string): string | null {
  const tokens = specTokens(state, spec);
  const first = tokens[0];
  return tokens.length === 1 && first?.kind === "literal" ? queryName(state, spec, first.text) : null;
}

/** Expands a domain-spec (already syntax-checked by the parser) for the current domain. */
export async function expandDomainSpec(state: CheckState, spec: string, domain: string): Promise<string> {
  const tokens = specTokens(state, spec);
  return queryName(state, spec, await expandTokens(tokens, { ...state.macro, domain }));
}

/** A or AAAA answer for `name`, whichever matches the client's IP version (RFC 7208 §5.3). */
function addressQuery(state: CheckState, name: string): Promise<DnsAnswer<string>> {
  return state.ip.version === 4 ? state.dns.a(name) : state.dns.aaaa(name);
}

/** `addressQuery`'s answer when it is at hand without waiting (see CheckDns.known). */
export function knownAddress(state: CheckState, name: string): DnsAnswer<string> | undefined {
  return state.dns.known<string>(state.ip.version === 4 ? "A" : "AAAA", name);
}

function isVoid<T>(a: DnsAnswer<T>): boolean {
  return a.kind === "nxdomain" || a.kind === "nodata" || (a.kind === "ok" && a.records.length === 0);
}

/** A name that cannot be queried (empty or over-long labels after expansion) is a void lookup. */
function unusable(state: CheckState, name: string, ref: TermRef): boolean {
  if (queryableName(name)) return false;
  countVoid(state, ref, `"${name}" is not a usable DNS name`);
  return true;
}

/** "A" or "AAAA": the address type asked for the client's IP version. */
const addressType = (state: CheckState): string => (state.ip.version === 4 ? "A" : "AAAA");

/** Whether any address of `records` is in the client's network with the given prefix lengths. */
export function anyInNetwork(
  state: CheckState,
  records: readonly string[],
  cidr4: number | null,
  cidr6: number | null,
): boolean {
  const prefix = state.ip.version === 4 ? (cidr4 ?? 32) : (cidr6 ?? 128);
  return records.some((r) => {
    const addr = parseClientIp(r);
    return (
      addr !== null && addr.version === state.ip.version && samePrefix(addr.bytes, state.ip.bytes, prefix)
    );
  });
}

async function matchA(
  state: CheckState,
  name: string,
  m: { cidr4: number | null; cidr6: number | null },
  ref: TermRef,
) {
  if (unusable(state, name, ref)) return false;
  const answer = knownAddress(state, name) ?? (await addressQuery(state, name));
  if (answer.kind === "error") dnsFailure(`${addressType(state)} ${name}`, answer.detail);
  if (isVoid(answer)) {
    if (answer.kind !== "nxdomain" && state.ip.version === 6 && !(await ipv6Void(state, name))) return false;
    countVoid(state, ref, `${addressType(state)} ${name}`);
    return false;
  }
  return answer.kind === "ok" && anyInNetwork(state, answer.records, m.cidr4, m.cidr6);
}

/**
 * For an IPv6 client whose AAAA query of `name` found nothing (the name exists): whether that
 * counts as a void lookup. With dualStackVoids, a name that has A records is an IPv4-only host,
 * not a void; without it, it counts (RFC 7208 §4.6.4 read literally) and the trace says why.
 */
async function ipv6Void(state: CheckState, name: string): Promise<boolean> {
  if (!state.dualStackVoids) {
    if (state.tracing)
      state.emit(
        "note",
        `AAAA ${name} is empty for this IPv6 client; if ${name} is an IPv4-only host, --dual-stack-voids does not count this as void`,
      );
    return true;
  }
  const a = await state.dns.a(name);
  if (a.kind === "ok" && a.records.length > 0) {
    state.emit(
      "note",
      `AAAA ${name} is empty but it has A records (IPv4-only host): not void (--dual-stack-voids)`,
    );
    return false;
  }
  return true;
}

async function matchMx(
  state: CheckState,
  name: string,
  m: { cidr4: number | null; cidr6: number | null },
  ref: TermRef,
) {
  if (unusable(state, name, ref)) return false;
  const answer = state.dns.known<MxRecord>("MX", name) ?? (await state.dns.mx(name));
  if (answer.kind === "error") dnsFailure(`MX ${name}`, answer.detail);
  if (answer.kind !== "ok" || answer.records.length === 0) {
    countVoid(state, ref, `MX ${name}`);
    return false;
  }
  if (answer.records.length > MAX_MX_NAMES) {
    throw new SpfAbort({
      result: "permerror",
      code: "MX_LIMIT",
      detail: `${name} has ${answer.records.length} MX records; an mx term may look up at most ${MAX_MX_NAMES} (RFC 7208 §4.6.4)`,
      term: ref,
    });
  }
  const hosts = [...answer.records].sort((x, y) => x.preference - y.preference);
  for (const mx of hosts) {
    const host = fitDomainName(mx.exchange);
    if (!queryableName(host)) continue; // null MX "." (RFC 7505) or junk: nothing to match
    // The address lookups of an mx term do not count toward the 10 (RFC 7208 §4.6.4), nor as void.
    const addrs = knownAddress(state, host) ?? (await addressQuery(state, host));
    if (addrs.kind === "error") dnsFailure(`${addressType(state)} ${host}`, addrs.detail);
    if (addrs.kind === "ok" && anyInNetwork(state, addrs.records, m.cidr4, m.cidr6)) return true;
  }
  return false;
}

/**
 * The validated names of the client IP (RFC 7208 §5.5): PTR names (at most 10) whose A/AAAA
 * records include the IP. A PTR lookup failure gives an empty list; failed forward lookups skip
 * that name. `ref` is given for the ptr mechanism, whose void PTR answer counts as a void lookup.
 */
export async function validatedNames(state: CheckState, ref: TermRef | null): Promise<string[]> {
  const text = formatIp(state.ip);
  const answer = await state.dns.ptr(text);
  if (answer.kind === "error") return [];
  if (isVoid(answer)) {
    if (ref) countVoid(state, ref, `PTR ${text}`);
    return [];
  }
  const names = answer.kind === "ok" ? answer.records.slice(0, MAX_PTR_NAMES) : [];
  const out: string[] = [];
  for (const raw of names) {
    const name = fitDomainName(raw);
    if (!queryableName(name)) continue;
    const addrs = knownAddress(state, name) ?? (await addressQuery(state, name));
    if (addrs.kind === "ok" && anyInNetwork(state, addrs.records, null, null)) out.push(name);
  }
  return out;
}

/** Whether `name` is `target` or a subdomain of it, ignoring case. */
export function isSameOrSubdomain(name: string, target: string): boolean {
  const n = name.toLowerCase();
  const t = target.toLowerCase();
  return n === t || n.endsWith(`.${t}`);
}

/** The `%{p}` value: a validated name equal to or under the current domain if any, else any, else "unknown" (RFC 7208 §7.3). */
export async function pickValidatedName(state: CheckState, d: string): Promise<string> {
  const names = await validatedNames(state, null);
  return (
    names.find((n) => n.toLowerCase() === d.toLowerCase()) ??
    names.find((n) => isSameOrSubdomain(n, d)) ??
    names[0] ??
    "unknown"
  );
}

/**
 * Whether mechanism `m` (not include/all) matches. Counts DNS-querying terms and void lookups;
 * throws SpfAbort for temperror/permerror.
 */
export async function matchMechanism(
  state: CheckState,
  m: Exclude<Mechanism, { kind: "include" } | { kind: "all" }>,
  domain: string,
  ref: TermRef,
): Promise<boolean> {
  switch (m.kind) {
    case "ip4":
    case "ip6":
      return (
        (m.kind === "ip4") === (state.ip.version === 4) &&
        samePrefix(m.network.bytes, state.ip.bytes, m.network.prefix)
      );
    case "a":
    case "mx": {
      countLookup(state, ref);
      const name =
        m.domainSpec === null
          ? domain
          : (literalDomainSpec(state, m.domainSpec) ?? (await expandDomainSpec(state, m.domainSpec, domain)));
      return m.kind === "a" ? matchA(state, name, m, ref) : matchMx(state, name, m, ref);
    }
    case "ptr": {
      countLookup(state, ref);
      const target =
        m.domainSpec === null
          ? domain
          : (literalDomainSpec(state, m.domainSpec) ?? (await expandDomainSpec(state, m.domainSpec, domain)));
      const names = await validatedNames(state, ref);
      return names.some((n) => isSameOrSubdomain(n, target));
    }
    case "exists": {
      countLookup(state, ref);
      const name =
        literalDomainSpec(state, m.domainSpec) ?? (await expandDomainSpec(state, m.domainSpec, domain));
      if (unusable(state, name, ref)) return false;
      const answer = state.dns.known<string>("A", name) ?? (await state.dns.a(name)); // always A, whatever the client's IP version (RFC 7208 §5.7)
      if (answer.kind === "error") dnsFailure(`A ${name}`, answer.detail);
      if (isVoid(answer)) {
        countVoid(state, ref, `A ${name}`);
        return false;
      }
      return true;
    }
  }
}
