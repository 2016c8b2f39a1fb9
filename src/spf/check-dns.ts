/**
 * The DNS side of one SPF check: a per-check memo (no name is queried twice in one check), an
 * overall time budget, and a record of every query for the trace.
 */

import type { DnsAnswer, MxRecord, RecordType, Resolver } from "../dns/resolver.js";

/** One query made during a check, for traces. */
export interface DnsQueryLog {
  type: RecordType;
  name: string;
  answer: string;
}

/**
 * A resolver that can also answer from memory without waiting (such as the caching resolver of
 * `check-spf --batch`). `peek` returns the answer it would give now, or undefined when it would
 * have to ask; it never queries. Optional: any `Resolver` works without it.
 */
export interface PeekableResolver extends Resolver {
  peek?(type: RecordType, name: string): DnsAnswer<unknown> | undefined;
}

/** An answer in one trace line ("a, b", "NXDOMAIN", "NODATA", "error: …"); the DNS layer's describeAnswer is terser. */
function traceAnswer(type: RecordType, answer: DnsAnswer<unknown>): string {
  switch (answer.kind) {
    case "ok": {
      if (answer.records.length === 0) return "NODATA";
      const show = (r: unknown): string =>
        type === "TXT"
          ? JSON.stringify(r)
          : type === "MX"
            ? `${(r as MxRecord).preference} ${(r as MxRecord).exchange}`
            : String(r);
      return answer.records.map(show).join(", ");
    }
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
  /**
   * The answer for (type, name) when it is at hand without waiting (asked before in this check,
   * or `peek`-able from the resolver), else undefined. Asking this way counts as asking: a later
   * txt()/a()/… call gives the same answer. Lets the evaluator skip an await on warm names.
   */
  known<T>(type: RecordType, name: string): DnsAnswer<T> | undefined;
  /** Stops the budget timer; call when the check ends. */
  close(): void;
}

/**
 * A permanent client-side error (e.g. c-ares EBADNAME for a name with ":" or a space) means the
 * question cannot be asked at all; no server answered. RFC 7208 §5 makes only server failures and
 * timeouts temperror, so the name is treated as non-existent (a void lookup).
 */
function unaskable(answer: DnsAnswer<unknown>): boolean {
  return answer.kind === "error" && !answer.temporary;
}

/** The per-check view: a memo per (type, name) in front of the resolver, and the budget timer. */
class CheckDnsView implements CheckDns {
  /** Per (type, name) key: the settled answer, or the promise of one still on its way. */
  private readonly memo = new Map<string, DnsAnswer<unknown> | Promise<DnsAnswer<unknown>>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expiry: Promise<DnsAnswer<never>> | undefined;
  private expired = false;

  constructor(
    private readonly resolver: PeekableResolver,
    private readonly budgetMs: number,
    private readonly onQuery: ((q: DnsQueryLog) => void) | undefined,
  ) {}

  txt(name: string): Promise<DnsAnswer<string>> {
    return this.ask("TXT", name) as Promise<DnsAnswer<string>>;
  }
  a(name: string): Promise<DnsAnswer<string>> {
    return this.ask("A", name) as Promise<DnsAnswer<string>>;
  }
  aaaa(name: string): Promise<DnsAnswer<string>> {
    return this.ask("AAAA", name) as Promise<DnsAnswer<string>>;
  }
  mx(name: string): Promise<DnsAnswer<MxRecord>> {
    return this.ask("MX", name) as Promise<DnsAnswer<MxRecord>>;
  }
  ptr(ip: string): Promise<DnsAnswer<string>> {
    return this.ask("PTR", ip) as Promise<DnsAnswer<string>>;
  }
  close(): void {
    clearTimeout(this.timer);
  }

  known<T>(type: RecordType, name: string): DnsAnswer<T> | undefined {
    const got = this.lookup(type + name.toLowerCase(), type, name);
    return got instanceof Promise ? undefined : (got as DnsAnswer<T> | undefined);
  }

  /**
   * The memo entry for `key` (type + lower-case name: unambiguous, the type is upper-case),
   * filled from the resolver's `peek` when it can answer now; undefined when nobody has asked yet.
   */
  private lookup(key: string, type: RecordType, name: string) {
    const entry = this.memo.get(key);
    if (entry !== undefined) return entry;
    const peeked = this.resolver.peek?.(type, name);
    if (peeked === undefined) return undefined;
    const answer = this.done(type, name, peeked);
    this.memo.set(key, answer);
    return answer;
  }

  private ask(type: RecordType, name: string): Promise<DnsAnswer<unknown>> {
    const key = type + name.toLowerCase();
    const entry = this.lookup(key, type, name);
    if (entry instanceof Promise) return entry;
    if (entry !== undefined) return Promise.resolve(entry);
    const p = this.wait(type, name).then((answer) => {
      this.memo.set(key, answer);
      return answer;
    });
    this.memo.set(key, p);
    return p;
  }

  private query(type: RecordType, name: string): Promise<DnsAnswer<unknown>> {
    const r = this.resolver;
    switch (type) {
      case "TXT":
        return r.txt(name);
      case "A":
        return r.a(name);
      case "AAAA":
        return r.aaaa(name);
      case "MX":
        return r.mx(name);
      case "PTR":
        return r.ptr(name);
    }
  }

  private budgetError(): DnsAnswer<never> {
    return { kind: "error", temporary: true, detail: `time budget of ${this.budgetMs} ms used up` };
  }

  /** The budget clock starts at the first query that has to wait. */
  private startBudget(): Promise<DnsAnswer<never>> {
    return (this.expiry ??= new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.expired = true;
        resolve(this.budgetError());
      }, this.budgetMs);
      (this.timer as { unref?: () => void }).unref?.();
    }));
  }

  private async wait(type: RecordType, name: string): Promise<DnsAnswer<unknown>> {
    if (this.expired) return this.done(type, name, this.budgetError());
    let answer: DnsAnswer<unknown>;
    try {
      answer = await Promise.race([this.query(type, name), this.startBudget()]);
    } catch (err) {
      // A resolver must not throw; if one does, it is a DNS failure, never "no records".
      answer = { kind: "error", temporary: true, detail: err instanceof Error ? err.message : String(err) };
    }
    return this.done(type, name, answer);
  }

  private done(type: RecordType, name: string, raw: DnsAnswer<unknown>): DnsAnswer<unknown> {
    const answer: DnsAnswer<unknown> = unaskable(raw) ? { kind: "nxdomain" } : raw;
    if (this.onQuery) {
      const note = unaskable(raw)
        ? ` (${(raw as { detail: string }).detail}: cannot be queried, treated as NXDOMAIN)`
        : "";
      this.onQuery({ type, name, answer: traceAnswer(type, answer) + note });
    }
    return answer;
  }
}

/**
 * Wraps `resolver` for one check. Each distinct (type, name) is asked once. When `budgetMs` runs
 * out, pending and later queries answer with a temporary error (so the check ends in temperror
 * instead of hanging; RFC 7208 §4.6.4 suggests at least 20 s for a whole check). The budget
 * clock starts at the first query that has to wait for the resolver: answers `peek` can give
 * take no time, so a check answered wholly from a cache sets no timer at all.
 * `onQuery` (for traces) sees each distinct query once, with its answer.
 */
export function checkDns(
  resolver: PeekableResolver,
  budgetMs: number,
  onQuery?: (q: DnsQueryLog) => void,
): CheckDns {
  return new CheckDnsView(resolver, budgetMs, onQuery);
}
