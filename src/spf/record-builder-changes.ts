/**
 * Compares the records the wizard built with what the domain publishes now, so the admin sees
 * what each record adds or replaces. Uses only the `Resolver` it is given.
 */
import type { Resolver } from "../dns/resolver.js";

/** Which kind of record; decides which published TXT records are its predecessors. */
export type RecordKind = "spf" | "dkim" | "dmarc";

/** One record the wizard wants published. */
export interface PlannedRecord {
  kind: RecordKind;
  /** Owner name with the trailing dot. */
  name: string;
  /** TXT value (character-strings joined). */
  value: string;
}

/** How a planned record relates to what is published now. */
export type RecordChange =
  | { status: "new" }
  | { status: "unchanged" }
  /** `current` holds the published record(s) of the same kind this one replaces. */
  | { status: "replaces"; current: string[] }
  /** The lookup failed (timeout, SERVFAIL): the current state is unknown, not "none". */
  | { status: "unknown"; detail: string };

/** Whether a published TXT value is a predecessor of a planned record of `kind`. */
function sameKind(kind: RecordKind, text: string): boolean {
  switch (kind) {
    case "spf":
      return /^v=spf1(?: |$)/i.test(text); // RFC 7208 §4.5 record selection
    case "dmarc":
      return /^v\s*=\s*DMARC1\s*(;|$)/.test(text); // RFC 7489 §6.4: v= first, exact case
    case "dkim":
      return true; // everything at selector._domainkey is the key record (RFC 6376 §3.6.2.2)
    default:
      return assertNever(kind);
  }
}

function assertNever(x: never): never {
  throw new TypeError(`unexpected record kind ${String(x)}`);
}

/** Collapses runs of spaces so `v=spf1  a -all` equals `v=spf1 a -all`. */
function normalize(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

/**
 * Fetches the TXT records at each planned record's name and classifies the change. Returns one
 * entry per planned record, in order. A DNS error gives `unknown`, never `new`. Does not throw for
 * DNS outcomes.
 */
export async function compareWithPublished(
  records: readonly PlannedRecord[],
  o: { resolver: Resolver },
): Promise<RecordChange[]> {
  return Promise.all(
    records.map(async (r): Promise<RecordChange> => {
      const answer = await o.resolver.txt(r.name.replace(/\.$/, ""));
      if (answer.kind === "error") return { status: "unknown", detail: answer.detail };
      if (answer.kind !== "ok") return { status: "new" };
      const current = answer.records.filter((t) => sameKind(r.kind, t));
      if (current.length === 0) return { status: "new" };
      if (current.length === 1 && normalize(current[0]!) === normalize(r.value))
        return { status: "unchanged" };
      return { status: "replaces", current };
    }),
  );
}
