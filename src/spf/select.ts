/** SPF record selection among a name's TXT records (RFC 7208 §4.5). */

import { isSpfRecord } from "./parser.js";

/** What selection found: no SPF record, exactly one, or several (a permerror). */
export type Selection =
  { kind: "none" } | { kind: "one"; record: string } | { kind: "multiple"; records: string[] };

/**
 * Picks the SPF record from TXT record texts (each already joined from its character-strings
 * without separators, RFC 7208 §3.3). Records that do not begin with "v=spf1" followed by a space
 * or the end (any case) are discarded, including `spf2.0/…` ones. Type-99 SPF RRs are never used.
 */
export function selectSpfRecord(txts: readonly string[]): Selection {
  const found = txts.filter(isSpfRecord);
  if (found.length === 0) return { kind: "none" };
  if (found.length > 1) return { kind: "multiple", records: found };
  return { kind: "one", record: found[0]! };
}
