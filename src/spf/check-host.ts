/** RFC 7208 check_host(): record lookup and selection, term evaluation, include/redirect, exp=. */

import { domainNameProblem } from "../dns/names.js";
import type { Resolver } from "../dns/resolver.js";
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
import { formatIp, parseClientIp } from "./ip-address.js";
import { expandDomainSpec, matchMechanism, pickValidatedName } from "./mechanisms.js";
import { parseSpfRecord } from "./parser.js";
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
}

type Evaluated =
  | {
      result: "pass" | "fail" | "softfail" | "neutral";
      matched: TermRef | null;
      explanation?: string;
      domain: string;
    }
  | { result: "none"; why: "no-record" | "nxdomain" | "invalid-domain"; detail: string; domain: string };

function sender(opts: CheckHostOptions): { localPart: string; senderDomain: string; full: string } {
  const at = opts.sender.lastIndexOf("@");
  const local = at < 0 ? "" : opts.sender.slice(0, at);
  const dom = at < 0 ? opts.sender : opts.sender.slice(at + 1);
  const localPart = local === "" ? "postmaster" : local; // RFC 7208 §4.3
  return { localPart, senderDomain: dom, full: `${localPart}@${dom}` };
}

/**
 * Evaluates SPF for one identity (RFC 7208 §4). Always returns an outcome: DNS trouble is
 * `temperror`, record or limit trouble is `permerror`, never an exception (a bad `ip` gives
 * permerror with code SYNTAX). Does not query type-99 SPF records. Each (type, name) is asked
 * at most once per call.
 */
export async function checkHost(opts: CheckHostOptions): Promise<SpfOutcome> {
  const domain = opts.domain.replace(/\.$/, "");
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
  const emit = (kind: SpfTraceEvent["kind"], text: string): void => {
    if (opts.trace && state) {
      opts.trace({ depth: state.depth, kind, text, lookups: state.lookups, voidLookups: state.voids });
    }
  };
  const dns = checkDns(opts.resolver, opts.timeBudgetMs ?? 20_000, (q) =>
    emit("dns", `${q.type} ${q.name} -> ${q.answer}`),
  );
  const who = sender(opts);
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
      helo: opts.helo,
      receiver: opts.receiver ?? "unknown",
      timestamp: Math.floor((opts.now ? opts.now() : new Date()).getTime() / 1000),
      validatedName: async (d) => pickValidatedName(s, d),
    },
    emit,
  };
  state = s;
  const counts = () => ({ lookups: Math.min(s.lookups, s.lookupLimit + 1), voidLookups: s.voids });
  try {
    const r = await evaluate(s, domain, true, opts.defaultExplanation ?? defaultExplanation(opts, ip));
    return { ...r, domain, ...counts() } as SpfOutcome;
  } catch (err) {
    if (err instanceof SpfAbort) return { ...err.outcome, domain, ...counts() };
    throw err;
  } finally {
    dns.close();
  }
}

function defaultExplanation(opts: CheckHostOptions, ip: ReturnType<typeof parseClientIp>): string {
  return `${opts.domain} does not designate ${ip ? formatIp(ip) : opts.ip} as a permitted sender`;
}

async function fetchRecord(
  state: CheckState,
  domain: string,
): Promise<Extract<Evaluated, { result: "none" }> | { text: string }> {
  const problem = /^\[.*\]$/.test(domain)
    ? "is an address literal, not a domain name (RFC 7208 §4.3)"
    : domainNameProblem(domain);
  if (problem) return { result: "none", why: "invalid-domain", detail: `"${domain}" ${problem}`, domain };
  const answer = await state.dns.txt(domain);
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

/** Fetches, selects and parses the record of `domain`: a `none` result, or the record. Syntax errors abort. */
async function loadRecord(
  state: CheckState,
  domain: string,
): Promise<Extract<Evaluated, { result: "none" }> | SpfRecord> {
  const fetched = await fetchRecord(state, domain);
  if ("result" in fetched) {
    state.emit("result", `${fetched.result}: ${fetched.detail}`);
    return fetched;
  }
  state.emit("record", `${domain}: "${fetched.text}"`);
  const parsed = parseSpfRecord(fetched.text);
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
  defaultExp: string,
): Promise<Evaluated> {
  const record = await loadRecord(state, domain);
  if ("result" in record) return record;
  const refOf = (t: { text: string; start: number; end: number }): TermRef => ({
    domain,
    term: t.text,
    record: record.text,
    start: t.start,
    end: t.end,
  });
  for (const term of record.terms) {
    if (term.type !== "directive") continue;
    const ref = refOf(term);
    const m = term.mechanism;
    state.emit("term", `${term.text}`);
    let matched: boolean;
    if (m.kind === "all") matched = true;
    else if (m.kind === "include") matched = await include(state, domain, m.domainSpec, ref, defaultExp);
    else matched = await matchMechanism(state, m, domain, ref);
    if (!matched) {
      state.emit("note", `${term.text}: no match`);
      continue;
    }
    const result = QUALIFIER_RESULT[term.qualifier];
    state.emit("result", `${term.text} matched: ${result}`);
    const out: Evaluated = { result, matched: ref, domain };
    if (result === "fail" && top) out.explanation = await explain(state, record, domain, defaultExp);
    return out;
  }
  if (record.redirect) {
    state.emit("term", record.redirect.text);
    return redirect(state, domain, record.redirect.value, refOf(record.redirect), top, defaultExp);
  }
  state.emit("result", "no term matched: neutral (RFC 7208 §4.7)");
  return { result: "neutral", matched: null, domain };
}

/** Evaluates `spec` (expanded for `domain`) one level deeper; an unusable name is `none`. */
async function descend(
  state: CheckState,
  domain: string,
  spec: string,
  top: boolean,
  defaultExp: string,
): Promise<{ target: string; r: Evaluated }> {
  const target = await expandDomainSpec(state, spec, domain);
  if (!queryableName(target)) {
    const detail = `"${target}" is not a domain name`;
    return { target, r: { result: "none", why: "invalid-domain", detail, domain: target } };
  }
  state.depth++;
  try {
    return { target, r: await evaluate(state, target, top, defaultExp) };
  } finally {
    state.depth--;
  }
}

/** redirect= (RFC 7208 §6.1): the target's result replaces this record's, including its exp=; none is permerror. */
async function redirect(
  state: CheckState,
  domain: string,
  spec: string,
  ref: TermRef,
  top: boolean,
  defaultExp: string,
): Promise<Evaluated> {
  countLookup(state, ref);
  const { target, r } = await descend(state, domain, spec, top, defaultExp);
  if (r.result === "none") {
    throw new SpfAbort({
      result: "permerror",
      code: "REDIRECT_NONE",
      detail: `redirect=${target}: ${r.detail} (RFC 7208 §6.1)`,
      term: ref,
    });
  }
  return r;
}

async function include(
  state: CheckState,
  domain: string,
  spec: string,
  ref: TermRef,
  defaultExp: string,
): Promise<boolean> {
  countLookup(state, ref);
  const { target, r } = await descend(state, domain, spec, false, defaultExp);
  // RFC 7208 §5.2: pass matches; fail, softfail, neutral do not; none is a permerror.
  if (r.result === "none") {
    throw new SpfAbort({
      result: "permerror",
      code: "INCLUDE_NONE",
      detail: `include:${target}: ${r.detail} (RFC 7208 §5.2)`,
      term: ref,
    });
  }
  return r.result === "pass";
}
