/**
 * The warm-cache fast path of the a and mx mechanisms (RFC 7208 §5.3, §5.4): a term whose every
 * answer is already at hand is decided without an await. Anything else goes to matchMechanism.
 */

import type { MxRecord } from "../dns/resolver.js";
import { countLookup, MAX_MX_NAMES, queryableName, type CheckState } from "./check-state.js";
import { fitDomainName } from "./macro.js";
import { anyInNetwork, knownAddress } from "./mechanisms.js";
import { parseMacroCached } from "./parse-cache.js";
import type { Mechanism, TermRef } from "./types.js";

/** The query name of an a/mx term's domain-spec if it has no macros, without any side effect; else null. */
function plainTarget(state: CheckState, spec: string | null, domain: string): string | null {
  if (spec === null) return domain;
  const parsed = parseMacroCached(state.parseCache, spec, "domain");
  if ("problem" in parsed || parsed.tokens.length !== 1 || parsed.tokens[0]!.kind !== "literal") return null;
  return fitDomainName(parsed.tokens[0]!.text);
}

/**
 * An a or mx term decided from answers already at hand (a warm cache), with no await: the result,
 * or undefined when anything is missing, void, an error or over a limit, or when tracing (the
 * general path, matchMechanism, then decides). Until it returns a result it has no side effect, so
 * falling back gives exactly what the general path alone gives; with a result it counts the lookup.
 */
export function quickMatch(
  state: CheckState,
  m: Extract<Mechanism, { kind: "a" | "mx" }>,
  domain: string,
  ref: TermRef,
): boolean | undefined {
  if (state.tracing) return undefined;
  const name = plainTarget(state, m.domainSpec, domain);
  if (name === null || !queryableName(name)) return undefined;
  let matched = false;
  if (m.kind === "a") {
    const answer = knownAddress(state, name);
    if (answer?.kind !== "ok" || answer.records.length === 0) return undefined;
    matched = anyInNetwork(state, answer.records, m.cidr4, m.cidr6);
  } else {
    const answer = state.dns.known<MxRecord>("MX", name);
    if (answer?.kind !== "ok" || answer.records.length === 0 || answer.records.length > MAX_MX_NAMES) {
      return undefined;
    }
    for (const mx of [...answer.records].sort((x, y) => x.preference - y.preference)) {
      const host = fitDomainName(mx.exchange);
      if (!queryableName(host)) continue;
      const addrs = knownAddress(state, host);
      if (addrs === undefined || addrs.kind === "error") return undefined;
      if (addrs.kind === "ok" && anyInNetwork(state, addrs.records, m.cidr4, m.cidr6)) {
        matched = true;
        break;
      }
    }
  }
  countLookup(state, ref);
  return matched;
}
