/** Static checks of one SPF record, without DNS (used by spf-lint and the record wizard). */

import { parseSpfRecord } from "./parser.js";
import type { SpfRecord, Term } from "./types.js";

/** How bad a finding is: an error makes receivers return permerror (or none); a warning is risky. */
export type LintSeverity = "error" | "warning";

/** One problem found in a record or in the tree. */
export interface LintFinding {
  severity: LintSeverity;
  /** Stable code, e.g. "PTR", "PLUS_ALL", "LOOKUP_LIMIT". */
  code: string;
  message: string;
  /** The term it is about, with its position in the record. */
  term?: { text: string; start: number; end: number };
  /** The domain whose record it is in (set by lintSpfDomain). */
  domain?: string;
}

/** RFC 7208 §3.4: records SHOULD stay small enough for a 512-byte UDP answer; 450 bytes is its figure. */
export const MAX_RECORD_BYTES = 450;
/** RFC 1035 §3.3.14 / RFC 7208 §3.3: one character-string holds at most 255 bytes. */
export const MAX_TXT_STRING = 255;
/** Terms past which a record is hard to review (spfdk's choice, not an RFC limit). */
export const MANY_TERMS = 40;

const LOOKUP_KINDS = new Set(["include", "a", "mx", "ptr", "exists"]);

/** Whether a term makes a DNS query that counts toward the limit of 10 (RFC 7208 §4.6.4). exp= does not. */
export function isLookupTerm(t: Term): boolean {
  if (t.type === "modifier") return t.name === "redirect";
  return LOOKUP_KINDS.has(t.mechanism.kind);
}

/**
 * The number of DNS-querying terms in one record (include, a, mx, ptr, exists, redirect), not
 * following includes. Every term counts, whether or not a check would reach it.
 */
export function countLookupTerms(record: SpfRecord): number {
  return record.terms.filter(isLookupTerm).length;
}

/** Whether a term's domain-spec holds a macro, so its target cannot be known without a client. */
export function hasMacro(t: Term): boolean {
  const spec = t.type === "modifier" ? t.value : "domainSpec" in t.mechanism ? t.mechanism.domainSpec : null;
  return spec !== null && spec.includes("%");
}

const span = (t: Term) => ({ text: t.text, start: t.start, end: t.end });

function termFindings(record: SpfRecord): LintFinding[] {
  const out: LintFinding[] = [];
  const allIndex = record.terms.findIndex((t) => t.type === "directive" && t.mechanism.kind === "all");
  for (const [i, t] of record.terms.entries()) {
    if (t.type === "directive") {
      const k = t.mechanism.kind;
      if (k === "ptr") {
        out.push({
          severity: "warning",
          code: "PTR",
          message: "ptr is slow and unreliable; RFC 7208 §5.5 says not to use it",
          term: span(t),
        });
      }
      if (k === "all" && t.qualifier === "+") {
        out.push({
          severity: "warning",
          code: "PLUS_ALL",
          message: "+all lets every host on the Internet pass",
          term: span(t),
        });
      }
      if (k === "all" && t.qualifier === "?") {
        out.push({
          severity: "warning",
          code: "NEUTRAL_ALL",
          message: "?all gives no protection: unlisted hosts get neutral",
          term: span(t),
        });
      }
    }
    if (allIndex >= 0 && i > allIndex && !(t.type === "modifier" && t.name !== "redirect")) {
      out.push({
        severity: "warning",
        code: t.type === "modifier" ? "REDIRECT_IGNORED" : "AFTER_ALL",
        message:
          t.type === "modifier"
            ? "redirect= is never used when the record has an all mechanism (RFC 7208 §6.1)"
            : "terms after all are never evaluated",
        term: span(t),
      });
    }
    if (hasMacro(t)) {
      out.push({
        severity: "warning",
        code: "MACRO",
        message:
          "macro in the domain: its target and lookup cost depend on the sender and cannot be checked statically",
        term: span(t),
      });
    }
  }
  if (allIndex < 0 && !record.redirect) {
    out.push({
      severity: "warning",
      code: "NO_ALL",
      message:
        'no "all" and no "redirect=": unlisted hosts get neutral (RFC 7208 §4.7); end with -all or ~all',
    });
  }
  if (allIndex >= 0 && record.redirect && record.terms.indexOf(record.redirect) < allIndex) {
    out.push({
      severity: "warning",
      code: "REDIRECT_IGNORED",
      message: "redirect= is never used when the record has an all mechanism (RFC 7208 §6.1)",
      term: span(record.redirect),
    });
  }
  return out;
}

/**
 * Static checks of one record text: syntax (error), the record's own lookup count over 10
 * (error), ptr, +all, ?all, no all/redirect, terms after all, macros, length over 450 bytes, a
 * text over 255 bytes (must be split into several strings), many terms (warnings). Makes no DNS
 * query and does not follow include/redirect (see lintSpfDomain). Never throws.
 */
export function lintSpfRecord(text: string): LintFinding[] {
  const out: LintFinding[] = [];
  const bytes = new TextEncoder().encode(text).length;
  const parsed = parseSpfRecord(text);
  if (!parsed.ok) {
    const t = parsed.error.term;
    out.push({ severity: "error", code: "SYNTAX", message: parsed.error.problem, ...(t ? { term: t } : {}) });
  } else {
    out.push(...termFindings(parsed.record));
    const n = countLookupTerms(parsed.record);
    if (n > 10) {
      out.push({
        severity: "error",
        code: "LOOKUP_LIMIT",
        message: `${n} DNS-querying terms in this record alone; the limit is 10 (RFC 7208 §4.6.4)`,
      });
    }
    if (parsed.record.terms.length > MANY_TERMS) {
      out.push({
        severity: "warning",
        code: "MANY_TERMS",
        message: `${parsed.record.terms.length} terms; consider grouping addresses into CIDR ranges`,
      });
    }
  }
  if (bytes > MAX_RECORD_BYTES) {
    out.push({
      severity: "warning",
      code: "LENGTH",
      message: `${bytes} bytes; RFC 7208 §3.4 advises at most ${MAX_RECORD_BYTES} so the answer fits in 512 bytes`,
    });
  }
  if (bytes > MAX_TXT_STRING) {
    out.push({
      severity: "warning",
      code: "LONG_STRING",
      message: `${bytes} bytes: publish it as several strings of at most ${MAX_TXT_STRING} bytes in one TXT record (RFC 7208 §3.3)`,
    });
  }
  return out;
}
