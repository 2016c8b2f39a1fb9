/** The mutable state of one check_host() run (counts, DNS view, trace) and the errors that end it. */

import type { CheckDns } from "./check-dns.js";
import type { IpAddress } from "./ip-address.js";
import type { MacroValues } from "./macro.js";
import type { ParseCache } from "./parse-cache.js";
import type { SpfErrorCode, TermRef } from "./types.js";

/** RFC 7208 §4.6.4: at most 10 DNS-querying terms per check. */
export const MAX_DNS_LOOKUPS = 10;
/** RFC 7208 §4.6.4: void lookups SHOULD be limited to two (configurable; two is the default). */
export const MAX_VOID_LOOKUPS = 2;
/** RFC 7208 §4.6.4: an mx term may look at no more than 10 MX names. */
export const MAX_MX_NAMES = 10;
/** RFC 7208 §4.6.4: at most 10 PTR names are checked by ptr and %{p}. */
export const MAX_PTR_NAMES = 10;

/** One step of an evaluation, for `--trace`. Never parsed: only shown. */
export interface SpfTraceEvent {
  /** Nesting: 0 for the checked domain, +1 per include/redirect. */
  depth: number;
  kind: "record" | "term" | "dns" | "result" | "note";
  text: string;
  /** Running counts after this step. */
  lookups: number;
  voidLookups: number;
}

/** Per-check state. Lives for one check only. */
export interface CheckState {
  ip: IpAddress;
  dns: CheckDns;
  lookups: number;
  voids: number;
  lookupLimit: number;
  voidLimit: number;
  /** Whether an IPv6 client's empty AAAA answer for a name with A records is not void (see CheckHostOptions). */
  dualStackVoids: boolean;
  depth: number;
  /** Macro values that do not change with the current domain. */
  macro: Omit<MacroValues, "domain">;
  /** Whether a trace was asked for; when false, trace text is never built and `emit` does nothing. */
  tracing: boolean;
  emit: (kind: SpfTraceEvent["kind"], text: string) => void;
  /** Memo of record and macro parses shared by the checks of a run (see parse-cache.ts). */
  parseCache: ParseCache | undefined;
}

/**
 * A temperror or permerror that ends the whole check (RFC 7208 §4.6.4, §5, §6). Internal only:
 * thrown inside checkHost and always caught there. Not an Error subclass on purpose: it is an
 * expected outcome, and capturing a stack trace for each one is a large share of a cached check.
 */
export class SpfAbort {
  constructor(
    readonly outcome:
      | { result: "temperror"; detail: string }
      | { result: "permerror"; code: SpfErrorCode; detail: string; term?: TermRef },
  ) {}
}

/** Counts a DNS-querying term; permerror once the limit is passed (RFC 7208 §4.6.4). */
export function countLookup(state: CheckState, term: TermRef): void {
  state.lookups++;
  if (state.lookups > state.lookupLimit) {
    throw new SpfAbort({
      result: "permerror",
      code: "LOOKUP_LIMIT",
      detail: `more than ${state.lookupLimit} DNS-querying terms (RFC 7208 §4.6.4); "${term.term}" in ${term.domain} is number ${state.lookups}`,
      term,
    });
  }
}

/** Counts a void lookup (NXDOMAIN or no records); permerror once the limit is passed. */
export function countVoid(state: CheckState, term: TermRef, what: string): void {
  state.voids++;
  if (state.tracing) state.emit("note", `void lookup ${state.voids}/${state.voidLimit}: ${what}`);
  if (state.voids > state.voidLimit) {
    throw new SpfAbort({
      result: "permerror",
      code: "VOID_LIMIT",
      detail: `more than ${state.voidLimit} void DNS lookups (RFC 7208 §4.6.4); the last was ${what} for "${term.term}" in ${term.domain}`,
      term,
    });
  }
}

/** Ends the check with temperror for a DNS failure (RFC 7208 §5: any RCODE other than 0 or 3, or a timeout). */
export function dnsFailure(what: string, detail: string): never {
  throw new SpfAbort({ result: "temperror", detail: `DNS failure for ${what}: ${detail}` });
}

/** Whether `name` can be sent as a query (non-empty labels of at most 63 characters, at most 253 in all). */
export function queryableName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  let labelStart = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name.charCodeAt(i) !== 0x2e) continue; // "."
    const len = i - labelStart;
    if (len === 0 || len > 63) return false;
    labelStart = i + 1;
  }
  return true;
}
