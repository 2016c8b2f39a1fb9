/**
 * The DNS side of one SPF check: a per-check memo (no name is queried twice in one check), an
 * overall time budget, and a record of every query for the trace.
 */

import type { DnsAnswer, MxRecord, RecordType, Resolver } from "../dns/resolver.js";

/** One query made during a check, for traces and statistics. */
export interface DnsQueryLog {
  type: RecordType;
  name: string;
  answer: string;
}

/** An answer in one trace line ("a, b", "NXDOMAIN", "NODATA", "error: …"); the DNS layer's describeAnswer is terser. */
function traceAnswer<T>(answer: DnsAnswer<T>, show: (r: T) => string = String): string {
  switch (answer.kind) {
    case "ok":
      return answer.records.length === 0 ? "NODATA" : answer.records.map(show).join(", ");
    case "nxdomain":
      return "NXDOMAIN";
    case "nodata":
      return "NODATA";
    case "error":
      return `error: ${answer.detail}`;
  }
}

/** The memoised, time-limited view of a Resolver used for one check. */
export interface CheckDns {
  txt(name: string): Promise<DnsAnswer<string>>;
  a(name: string): Promise<DnsAnswer<string>>;
  aaaa(name: string): Promise<DnsAnswer<string>>;
  mx(name: string): Promise<DnsAnswer<MxRecord>>;
  ptr(ip: string): Promise<DnsAnswer<string>>;
  /** Every distinct query made so far, in order. */
  readonly log: DnsQueryLog[];
  /** Stops the budget timer; call when the check ends. */
  close(): void;
}

/**
 * Wraps `resolver` for one check. Each distinct (type, name) is asked once. When `budgetMs` runs
 * out, pending and later queries answer with a temporary error (so the check ends in temperror
 * instead of hanging; RFC 7208 §4.6.4 suggests at least 20 s for a whole check).
 */
export function checkDns(resolver: Resolver, budgetMs: number, onQuery?: (q: DnsQueryLog) => void): CheckDns {
  const memo = new Map<string, Promise<DnsAnswer<unknown>>>();
  const log: DnsQueryLog[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expired = false;
  const expiry = new Promise<DnsAnswer<never>>((resolve) => {
    timer = setTimeout(() => {
      expired = true;
      resolve({ kind: "error", temporary: true, detail: `time budget of ${budgetMs} ms used up` });
    }, budgetMs);
    (timer as { unref?: () => void }).unref?.();
  });
  function ask<T>(
    type: DnsQueryLog["type"],
    name: string,
    run: () => Promise<DnsAnswer<T>>,
    show?: (r: T) => string,
  ): Promise<DnsAnswer<T>> {
    const key = `${type} ${name.toLowerCase()}`;
    const known = memo.get(key) as Promise<DnsAnswer<T>> | undefined;
    if (known) return known;
    const p = (async (): Promise<DnsAnswer<T>> => {
      let answer: DnsAnswer<T>;
      if (expired)
        answer = { kind: "error", temporary: true, detail: `time budget of ${budgetMs} ms used up` };
      else {
        try {
          answer = await Promise.race([run(), expiry]);
        } catch (err) {
          // A resolver must not throw; if one does, it is a DNS failure, never "no records".
          answer = {
            kind: "error",
            temporary: true,
            detail: err instanceof Error ? err.message : String(err),
          };
        }
      }
      let note = "";
      if (answer.kind === "error" && !answer.temporary) {
        // A permanent client-side error (e.g. c-ares EBADNAME for a name with ":" or a space) means
        // the question cannot be asked at all; no server answered. RFC 7208 §5 makes only server
        // failures and timeouts temperror, so we treat the name as non-existent (a void lookup).
        note = ` (${answer.detail}: cannot be queried, treated as NXDOMAIN)`;
        answer = { kind: "nxdomain" };
      }
      const entry = { type, name, answer: traceAnswer(answer, show) + note };
      log.push(entry);
      onQuery?.(entry);
      return answer;
    })();
    memo.set(key, p);
    return p;
  }
  return {
    txt: (n) =>
      ask(
        "TXT",
        n,
        () => resolver.txt(n),
        (r) => JSON.stringify(r),
      ),
    a: (n) => ask("A", n, () => resolver.a(n)),
    aaaa: (n) => ask("AAAA", n, () => resolver.aaaa(n)),
    mx: (n) =>
      ask(
        "MX",
        n,
        () => resolver.mx(n),
        (r) => `${r.preference} ${r.exchange}`,
      ),
    ptr: (ip) => ask("PTR", ip, () => resolver.ptr(ip)),
    log,
    close: () => clearTimeout(timer),
  };
}
