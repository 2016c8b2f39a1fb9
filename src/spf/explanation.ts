/** The exp= modifier (RFC 7208 §6.2): the explanation string of a fail. */

import { queryableName, type CheckState } from "./check-state.js";
import { expandDomainSpec } from "./mechanisms.js";
import { expandTokens, parseMacroString } from "./macro.js";
import type { SpfRecord } from "./types.js";

/** Longest explanation kept; longer expansions are cut (they end up in an SMTP reply). */
const MAX_EXPLANATION = 1000;

/**
 * The explanation for a fail from `record` (of `domain`). Without exp=, or when anything about the
 * exp= lookup fails (bad name, DNS error, no or several TXT records, a bad macro or non-ASCII
 * text), the default explanation is returned and the result is not changed (RFC 7208 §6.2).
 * The exp= lookup counts neither toward the 10-lookup limit nor as a void lookup.
 */
export async function explain(
  state: CheckState,
  record: SpfRecord,
  domain: string,
  defaultExp: string,
): Promise<string> {
  if (!record.exp) return defaultExp;
  const name = await expandDomainSpec(state, record.exp.value, domain);
  if (!queryableName(name)) return defaultExp;
  const answer = await state.dns.txt(name);
  if (answer.kind !== "ok" || answer.records.length !== 1) {
    state.emit("note", `exp=${name}: no single TXT record; using the default explanation`);
    return defaultExp;
  }
  const parsed = parseMacroString(answer.records[0]!, "exp");
  if ("problem" in parsed) {
    state.emit("note", `exp=${name}: ${parsed.problem}; using the default explanation`);
    return defaultExp;
  }
  const text = await expandTokens(parsed.tokens, { ...state.macro, domain });
  return text.length > MAX_EXPLANATION ? text.slice(0, MAX_EXPLANATION) : text;
}
