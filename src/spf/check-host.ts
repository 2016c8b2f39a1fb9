/** RFC 7208 check_host(): record lookup and selection, term evaluation, include/redirect, exp=. */

import type { DnsAnswer, Resolver } from "../dns/resolver.js";
import { checkDns } from "./check-dns.js";
import {
  countLookup,
  dnsFailure,
  MAX_DNS_LOOKUPS,
  MAX_VOID_LOOKUPS,
  queryableName,
  SpfAbort,
  type CheckState,
  type SpfTraceEvent,
} from "./check-state.js";
import { explain } from "./explanation.js";
import { formatIp, parseClientIp, samePrefix, type IpAddress } from "./ip-address.js";
import { expandDomainSpec, literalDomainSpec, matchMechanism, pickValidatedName } from "./mechanisms.js";
import { quickMatch } from "./quick-match.js";
import { domainProblemCached, parseRecordCached, type ParseCache } from "./parse-cache.js";
import { selectSpfRecord } from "./select.js";
import { QUALIFIER_RESULT, type SpfOutcome, type SpfRecord, type TermRef } from "./types.js";

/** Inputs of check_host() (RFC 7208 §4.1). */
export interface CheckHostOptions {
  /** `<ip>`: the SMTP client's address. An IPv4-mapped IPv6 address is treated as IPv4. */
  ip: string;
  /** `<domain>`: the domain whose record is evaluated first. */
  domain: string;
  /** `<sender>`: the identity, local-part@domain (for %{s}, %{l}, %{o}). */
  sender: string;
  /** The HELO/EHLO name (for %{h}). */
  helo: string;
  /** DNS. Required: the core never falls back to live DNS. */
  resolver: Resolver;
  /** The receiving host's name for %{r} in explanations ("unknown" if absent). */
  receiver?: string;
  /** The clock for %{t}. */
  now?: () => Date;
  /** Void-lookup limit (RFC 7208 §4.6.4 default 2). */
  voidLimit?: number;
  /**
   * When true, an `a` term's empty AAAA answer for an IPv6 client is not a void lookup if the name
   * has A records (an IPv4-only host exists; it is not the "name that does not exist" the void
   * limit of RFC 7208 §4.6.4 is about; pyspf#40). Costs one extra A query. Default false (count it).
   */
  dualStackVoids?: boolean;
  /** DNS-querying term limit (RFC 7208 §4.6.4: 10). */
  lookupLimit?: number;
  /** Overall time for the DNS of one check, in ms (default 20 000, RFC 7208 §4.6.4). */
  timeBudgetMs?: number;
  /** Explanation used when a fail has no usable exp= (RFC 7208 §6.2). */
  defaultExplanation?: string;
  /** Receives each evaluation step (for --trace). */
  trace?: (event: SpfTraceEvent) => void;
  /**
   * Memo of record and macro parses, shared by the checks of one run (`createParseCache()`).
   * Results are the same with or without it; it only saves re-parsing the same texts.
   */
  parseCache?: ParseCache;
}

type Evaluated =
  | {
      result: "pass" | "fail" | "softfail" | "neutral";
      matched: TermRef | null;
      explanation?: string;
      domain: string;
    }
  | { result: "none"; why: "no-record" | "nxdomain" | "invalid-domain"; detail: string; domain: string };

/** check_host()'s inputs other than the identity (`<domain>`, `<sender>`, HELO). */
export type CheckHostSettings = Omit<CheckHostOptions, "domain" | "sender" | "helo">;

/** The identity one check_host() call evaluates. */
export type CheckHostIdentity = Pick<CheckHostOptions, "domain" | "sender" | "helo">;

function sender(full: string): { localPart: string; senderDomain: string; full: string } {
  const at = full.lastIndexOf("@");
  const local = at < 0 ? "" : full.slice(0, at);
  const dom = at < 0 ? full : full.slice(at + 1);
  const localPart = local === "" ? "postmaster" : local; // RFC 7208 §4.3
  return { localPart, senderDomain: dom, full: `${localPart}@${dom}` };
}

/**
 * Evaluates SPF for one identity (RFC 7208 §4). Always returns an outcome: DNS trouble is
 * `temperror`, record or limit trouble is `permerror`, never an exception (a bad `ip` gives
 * permerror with code SYNTAX). Does not query type-99 SPF records. Each (type, name) is asked
 * at most once per call.
 */
export function checkHost(opts: CheckHostOptions): Promise<SpfOutcome> {
  return checkIdentity(opts, opts);
}

/**
 * checkHost() with the identity apart from the other settings, so that a caller checking several
 * identities (or many transactions) can reuse one settings object instead of copying it.
 */
export async function checkIdentity(opts: CheckHostSettings, id: CheckHostIdentity): Promise<SpfOutcome> {
  const domain = id.domain.endsWith(".") ? id.domain.slice(0, -1) : id.domain;
  const ip = parseClientIp(opts.ip);
  if (!ip) {
    return {
      result: "permerror",
      code: "SYNTAX",
      detail: `"${opts.ip}" is not an IP address`,
      domain,
      lookups: 0,
      voidLookups: 0,
    };
  }
  let state: CheckState | null = null;
  const trace = opts.trace;
  const emit = (kind: SpfTraceEvent["kind"], text: string): void => {
    if (trace && state) {
      trace({ depth: state.depth, kind, text, lookups: state.lookups, voidLookups: state.voids });
    }
  };
  const onQuery = trace
    ? (q: { type: string; name: string; answer: string }) => emit("dns", `${q.type} ${q.name} -> ${q.answer}`)
    : undefined;
  const dns = checkDns(opts.resolver, opts.timeBudgetMs ?? 20_000, onQuery);
  const who = sender(id.sender);
  const s: CheckState = {
    ip,
    dns,
    lookups: 0,
    voids: 0,
    lookupLimit: opts.lookupLimit ?? MAX_DNS_LOOKUPS,
    voidLimit: opts.voidLimit ?? MAX_VOID_LOOKUPS,
    dualStackVoids: opts.dualStackVoids ?? false,
    depth: 0,
    macro: {
      sender: who.full,
      localPart: who.localPart,
      senderDomain: who.senderDomain,
      ip,
      helo: id.helo,
      receiver: opts.receiver ?? "unknown",
      timestamp: Math.floor((opts.now ? opts.now() : new Date()).getTime() / 1000),
      validatedName: async (d) => pickValidatedName(s, d),
    },
    tracing: trace !== undefined,
    emit,
    parseCache: opts.parseCache,
  };
  state = s;
  const counts = () => ({ lookups: Math.min(s.lookups, s.lookupLimit + 1), voidLookups: s.voids });
  try {
    const defaultExp = (): string => opts.defaultExplanation ?? defaultExplanation(id.domain, ip);
    const r = await evaluate(s, domain, true, defaultExp);
    return { ...r, domain, ...counts() } as SpfOutcome;
  } catch (err) {
    if (err instanceof SpfAbort) return { ...err.outcome, domain, ...counts() };
    throw err;
  } finally {
    dns.close();
  }
}

function defaultExplanation(domain: string, ip: IpAddress): string {
  return `${domain} does not designate ${formatIp(ip)} as a permitted sender`;
}

/** Why `domain` cannot have a record to evaluate (RFC 7208 §4.3), as a `none` result, or null. */
function invalidDomain(state: CheckState, domain: string): Extract<Evaluated, { result: "none" }> | null {
  const problem =
    domain.startsWith("[") && domain.endsWith("]")
      ? "is an address literal, not a domain name (RFC 7208 §4.3)"
      : domainProblemCached(state.parseCache, domain);
  return problem ? { result: "none", why: "invalid-domain", detail: `"${domain}" ${problem}`, domain } : null;
}

/** The SPF record text selected from the TXT answer of `domain`, or why there is none (RFC 7208 §4.5). */
function selectRecord(
  domain: string,
  answer: DnsAnswer<string>,
): Extract<Evaluated, { result: "none" }> | { text: string } {
  if (answer.kind === "error") dnsFailure(`TXT ${domain}`, answer.detail);
  if (answer.kind === "nxdomain")
    return { result: "none", why: "nxdomain", detail: `${domain} does not exist`, domain };
  const sel = selectSpfRecord(answer.kind === "ok" ? answer.records : []);
  if (sel.kind === "none")
    return { result: "none", why: "no-record", detail: `${domain} has no SPF record`, domain };
  if (sel.kind === "multiple") {
    throw new SpfAbort({
      result: "permerror",
      code: "MULTIPLE_RECORDS",
      detail: `${domain} has ${sel.records.length} SPF records; exactly one is allowed (RFC 7208 §4.5)`,
    });
  }
  return { text: sel.record };
}

/** Parses the record selected for `domain`, or passes on its `none` result. Syntax errors abort. */
function parsedRecord(
  state: CheckState,
  domain: string,
  fetched: Extract<Evaluated, { result: "none" }> | { text: string },
): Extract<Evaluated, { result: "none" }> | SpfRecord {
  if ("result" in fetched) {
    if (state.tracing) state.emit("result", `${fetched.result}: ${fetched.detail}`);
    return fetched;
  }
  if (state.tracing) state.emit("record", `${domain}: "${fetched.text}"`);
  const parsed = parseRecordCached(state.parseCache, fetched.text);
  if (parsed.ok) return parsed.record;
  const t = parsed.error.term;
  throw new SpfAbort({
    result: "permerror",
    code: "SYNTAX",
    detail: `syntax error in the record of ${domain}: ${parsed.error.problem}`,
    ...(t ? { term: { domain, term: t.text, record: fetched.text, start: t.start, end: t.end } } : {}),
  });
}

/** Evaluates the record of `domain` (RFC 7208 §4.4-§4.7). `top` selects whether exp= is evaluated. */
async function evaluate(
  state: CheckState,
  domain: string,
  top: boolean,
  defaultExp: () => string,
): Promise<Evaluated> {
  const fetched =
    invalidDomain(state, domain) ??
    selectRecord(domain, state.dns.known<string>("TXT", domain) ?? (await state.dns.txt(domain)));
  const record = parsedRecord(state, domain, fetched);
  if ("result" in record) return record;
  const refOf = (t: { text: string; start: number; end: number }): TermRef => ({
    domain,
    term: t.text,
    record: record.text,
    start: t.start,
    end: t.end,
  });
  const v4 = state.ip.version === 4;
  for (const term of record.terms) {
    if (term.type !== "directive") continue;
    const m = term.mechanism;
    if (state.tracing) state.emit("term", term.text);
    let matched: boolean;
    // all, ip4 and ip6 need no DNS: decided here without an await (the common case in big records).
    if (m.kind === "all") matched = true;
    else if (m.kind === "ip4" || m.kind === "ip6")
      matched = (m.kind === "ip4") === v4 && samePrefix(m.network.bytes, state.ip.bytes, m.network.prefix);
    else if (m.kind === "include") {
      // RFC 7208 §5.2: pass matches; fail, softfail, neutral do not; none is a permerror.
      const r = await descend(state, "include", domain, m.domainSpec, refOf(term), false, defaultExp);
      matched = r.result === "pass";
    } else {
      const ref = refOf(term);
      // a/mx with a warm cache are decided without an await; otherwise the general path.
      const quick = m.kind === "a" || m.kind === "mx" ? quickMatch(state, m, domain, ref) : undefined;
      matched = quick ?? (await matchMechanism(state, m, domain, ref));
    }
    if (!matched) {
      if (state.tracing) state.emit("note", `${term.text}: no match`);
      continue;
    }
    const result = QUALIFIER_RESULT[term.qualifier];
    if (state.tracing) state.emit("result", `${term.text} matched: ${result}`);
    const out: Evaluated = { result, matched: refOf(term), domain };
    if (result === "fail" && top) out.explanation = await explain(state, record, domain, defaultExp());
    return out;
  }
  if (record.redirect) {
    if (state.tracing) state.emit("term", record.redirect.text);
    // redirect= (RFC 7208 §6.1): the target's result replaces this record's, including its exp=.
    return descend(state, "redirect", domain, record.redirect.value, refOf(record.redirect), top, defaultExp);
  }
  if (state.tracing) state.emit("result", "no term matched: neutral (RFC 7208 §4.7)");
  return { result: "neutral", matched: null, domain };
}

/**
 * include: or redirect= of `spec` (expanded for `domain`): evaluates the target one level deeper.
 * A target without a usable record is a permerror for both (RFC 7208 §5.2, §6.1).
 */
async function descend(
  state: CheckState,
  how: "include" | "redirect",
  domain: string,
  spec: string,
  ref: TermRef,
  top: boolean,
  defaultExp: () => string,
): Promise<Evaluated> {
  countLookup(state, ref);
  const target = literalDomainSpec(state, spec) ?? (await expandDomainSpec(state, spec, domain));
  let r: Evaluated;
  if (!queryableName(target)) {
    r = { result: "none", why: "invalid-domain", detail: `"${target}" is not a domain name`, domain: target };
  } else {
    state.depth++;
    try {
      r = await evaluate(state, target, top, defaultExp);
    } finally {
      state.depth--;
    }
  }
  if (r.result !== "none") return r;
  throw new SpfAbort({
    result: "permerror",
    code: how === "include" ? "INCLUDE_NONE" : "REDIRECT_NONE",
    detail: `${how === "include" ? "include:" : "redirect="}${target}: ${r.detail} (RFC 7208 ${how === "include" ? "§5.2" : "§6.1"})`,
    term: ref,
  });
}
