/** SPF record parser (RFC 7208 §4.6, §5, §6, §12 ABNF) to an AST that keeps each term's position. */

import { parseIp4, parseIp6 } from "./ip-address.js";
import { parseMacroString } from "./macro.js";
import type { DirectiveTerm, Mechanism, ModifierTerm, Qualifier, Span, SpfRecord, Term } from "./types.js";

/** A syntax problem, with the span of the offending term when there is one. */
export interface SpfSyntaxError {
  problem: string;
  term: (Span & { text: string }) | null;
}

/** Result of parseSpfRecord. */
export type ParseResult = { ok: true; record: SpfRecord } | { ok: false; error: SpfSyntaxError };

/** The version prefix (RFC 7208 §4.5), compared case-insensitively. */
export const SPF_VERSION = "v=spf1";

const MODIFIER = /^([A-Za-z][A-Za-z0-9\-_.]*)=(.*)$/s; // RFC 7208 §4.6.1 name "=" macro-string
const TOPLABEL = /^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])$/; // §7.1 toplabel
const MACRO_END = /(?:%\{[^}]*\}|%%|%_|%-)$/;

/** Whether `text` is an SPF record by RFC 7208 §4.5: "v=spf1" (any case) then a space or the end. */
export function isSpfRecord(text: string): boolean {
  return text.slice(0, 6).toLowerCase() === SPF_VERSION && (text.length === 6 || text[6] === " ");
}

/**
 * Why `spec` is not a valid domain-spec (RFC 7208 §7.1: macro-string domain-end, where domain-end is
 * "." toplabel ["."] or a macro-expand), or null. Checked on the unexpanded text: RFC 7208 does not
 * re-check the syntax after expansion (suite `invalid-hello-macro`).
 */
export function domainSpecProblem(spec: string): string | null {
  if (spec === "") return "empty domain-spec";
  const macros = parseMacroString(spec, "domain");
  if ("problem" in macros) return macros.problem;
  if (MACRO_END.test(spec)) return null;
  const body = spec.endsWith(".") ? spec.slice(0, -1) : spec;
  const dot = body.lastIndexOf(".");
  if (dot < 0) return `"${spec}" is not a domain name (a single label; RFC 7208 §7.1 needs "." toplabel)`;
  const top = body.slice(dot + 1);
  if (!TOPLABEL.test(top)) return `"${spec}" ends in an invalid top-level label "${top}" (RFC 7208 §7.1)`;
  return null;
}

function cidrValue(text: string | undefined, max: number, what: string): number | null | string {
  if (text === undefined) return null;
  if (!/^(?:0|[1-9]\d{0,2})$/.test(text))
    return `invalid ${what} prefix length "/${text}" (no leading zeros)`;
  const n = Number(text);
  return n > max ? `${what} prefix length /${n} is over ${max}` : n;
}

function parseMechanism(name: string, rest: string): Mechanism | string {
  const arg = rest.startsWith(":") ? rest.slice(1) : null;
  switch (name) {
    case "all":
      return rest === "" ? { kind: "all" } : `"all" takes no argument`;
    case "include":
    case "exists": {
      if (arg === null) return `"${name}" needs ":domain"`;
      const p = domainSpecProblem(arg);
      return p ? p : { kind: name, domainSpec: arg };
    }
    case "ptr": {
      if (rest !== "" && arg === null) return `invalid "ptr" argument "${rest}"`;
      if (arg !== null) {
        const p = domainSpecProblem(arg);
        if (p) return p;
      }
      return { kind: "ptr", domainSpec: arg };
    }
    case "a":
    case "mx": {
      const m = /^(?::(.*?))?(?:\/(\d+))?(?:\/\/(\d+))?$/s.exec(rest);
      if (!m) return `invalid "${name}" argument "${rest}"`;
      if (m[1] !== undefined) {
        const p = domainSpecProblem(m[1]);
        if (p) return p;
      }
      const cidr4 = cidrValue(m[2], 32, "IPv4");
      const cidr6 = cidrValue(m[3], 128, "IPv6");
      if (typeof cidr4 === "string") return cidr4;
      if (typeof cidr6 === "string") return cidr6;
      return { kind: name, domainSpec: m[1] ?? null, cidr4, cidr6 };
    }
    case "ip4":
    case "ip6": {
      if (arg === null) return `"${name}" needs ":address"`;
      const slash = arg.indexOf("/");
      const addr = slash < 0 ? arg : arg.slice(0, slash);
      const bytes = name === "ip4" ? parseIp4(addr) : parseIp6(addr);
      if (!bytes) return `"${addr}" is not an ${name === "ip4" ? "IPv4" : "IPv6"} address`;
      const max = name === "ip4" ? 32 : 128;
      const prefix = slash < 0 ? max : cidrValue(arg.slice(slash + 1), max, name === "ip4" ? "IPv4" : "IPv6");
      if (typeof prefix === "string") return prefix;
      return { kind: name, network: { bytes, prefix: prefix ?? max } };
    }
    default:
      return `unknown mechanism "${name}"`;
  }
}

function parseTerm(text: string, span: Span): Term | string {
  const mod = MODIFIER.exec(text);
  if (mod) {
    const name = mod[1]!.toLowerCase();
    const value = mod[2]!;
    if (name === "redirect" || name === "exp") {
      const p = domainSpecProblem(value);
      if (p) return `${name}=: ${p}`;
    } else {
      const m = parseMacroString(value, "domain");
      if ("problem" in m) return `${name}=: ${m.problem}`;
    }
    return { type: "modifier", name, value, text, ...span } satisfies ModifierTerm;
  }
  let qualifier: Qualifier = "+";
  let body = text;
  if ("+-~?".includes(text[0]!)) {
    qualifier = text[0] as Qualifier;
    body = text.slice(1);
  }
  const nameMatch = /^[A-Za-z][A-Za-z0-9\-_.]*/.exec(body);
  if (!nameMatch) return `"${text}" is not a mechanism or modifier`;
  const mech = parseMechanism(nameMatch[0].toLowerCase(), body.slice(nameMatch[0].length));
  if (typeof mech === "string") return mech;
  return { type: "directive", qualifier, mechanism: mech, text, ...span } satisfies DirectiveTerm;
}

/**
 * Parses a whole SPF record (it must already start with "v=spf1"). The whole record is checked,
 * so an error after a matching term still gives permerror (RFC 7208 §4.6, suite
 * `detect-errors-anywhere`). Returns the AST, or the first problem with the span of its term.
 * Never throws; cost is linear in the record length.
 */
export function parseSpfRecord(text: string): ParseResult {
  const bad = /[^\x20-\x7e]/.exec(text);
  if (bad) {
    const c = bad[0].charCodeAt(0);
    const desc = c < 0x20 || c === 0x7f ? "control character" : "non-ASCII character";
    return {
      ok: false,
      error: {
        problem: `${desc} U+${c.toString(16).toUpperCase().padStart(4, "0")} at offset ${bad.index}`,
        term: null,
      },
    };
  }
  if (!isSpfRecord(text))
    return { ok: false, error: { problem: 'does not start with "v=spf1"', term: null } };
  const terms: Term[] = [];
  let redirect: ModifierTerm | null = null;
  let exp: ModifierTerm | null = null;
  const re = /[^ ]+/g;
  re.lastIndex = SPF_VERSION.length;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const span = { start: m.index, end: m.index + m[0].length };
    const term = parseTerm(m[0], span);
    if (typeof term === "string")
      return { ok: false, error: { problem: term, term: { ...span, text: m[0] } } };
    if (term.type === "modifier" && (term.name === "redirect" || term.name === "exp")) {
      if ((term.name === "redirect" ? redirect : exp) !== null) {
        return {
          ok: false,
          error: { problem: `"${term.name}=" appears twice (RFC 7208 §6)`, term: { ...span, text: m[0] } },
        };
      }
      if (term.name === "redirect") redirect = term;
      else exp = term;
    }
    terms.push(term);
  }
  return { ok: true, record: { text, terms, redirect, exp } };
}
