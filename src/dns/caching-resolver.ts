/**
 * A caching, query-coalescing wrapper around any `Resolver`, for runs that repeat lookups
 * (`check-spf --batch`, the filter and policy daemons). The cache lives in the returned object; nothing is module-level.
 */
import { normalizeName } from "./names.js";
import type { DnsAnswer, RecordType, Resolver } from "./resolver.js";

/** Options of `cachingResolver`. */
export interface CachingResolverOptions {
  /** The clock, in milliseconds (like `Date.now`). */
  now: () => number;
  /** Lifetime of an `ok` answer whose TTL the inner resolver does not report (default 300 s). */
  defaultTtlSec?: number;
  /** Upper bound on any lifetime (default 3600 s). */
  maxTtlSec?: number;
  /** Lifetime of `nxdomain` / `nodata` answers (default 60 s; RFC 2308 §5 allows negative caching). */
  negativeTtlSec?: number;
  /**
   * Most answers kept per record type (default: no limit, for a run that ends). A long-running
   * process (`spfdk filter`) sets one: the oldest entries go first when it is reached.
   */
  maxEntries?: number;
}

/** Default lifetime of an `ok` answer without a TTL, in seconds. */
export const DEFAULT_CACHE_TTL_SEC = 300;
/** Default cap on cache lifetimes, in seconds. */
export const DEFAULT_MAX_TTL_SEC = 3600;
/** Default lifetime of negative answers, in seconds. */
export const DEFAULT_NEGATIVE_TTL_SEC = 60;

type Entry = { answer: DnsAnswer<unknown>; expires: number };

/** A caching `Resolver` that can also say, without waiting, what it holds. */
export interface CachingResolver extends Resolver {
  /** The unexpired cached answer for (type, name), or undefined; never queries. */
  peek(type: RecordType, name: string): DnsAnswer<unknown> | undefined;
}

/**
 * Wraps `inner` so that:
 * - an `ok` answer is reused until its TTL (or `defaultTtlSec` when it has none, capped at
 *   `maxTtlSec`) has passed; a TTL of 0 is not reused;
 * - `nxdomain` / `nodata` are reused for `negativeTtlSec`;
 * - errors are never cached: the next query asks again;
 * - concurrent queries for the same type and name share one in-flight inner query.
 * Names are keyed case-insensitively without the trailing dot; `ptr` is keyed by the IP text.
 * Returned answers are shared objects: callers must not mutate them. `peek` gives the cached
 * answer synchronously (the SPF evaluator uses it to skip waiting on warm names).
 */
export function cachingResolver(inner: Resolver, opts: CachingResolverOptions): CachingResolver {
  const defaultTtl = opts.defaultTtlSec ?? DEFAULT_CACHE_TTL_SEC;
  const maxTtl = opts.maxTtlSec ?? DEFAULT_MAX_TTL_SEC;
  const negativeTtl = opts.negativeTtlSec ?? DEFAULT_NEGATIVE_TTL_SEC;
  const caches = new Map<RecordType, Map<string, Entry>>();
  const inFlight = new Map<string, Promise<DnsAnswer<unknown>>>();
  for (const t of ["TXT", "A", "AAAA", "MX", "PTR"] as const) caches.set(t, new Map());

  function lifetimeSec(answer: DnsAnswer<unknown>): number {
    if (answer.kind === "ok") return Math.min(answer.ttl ?? defaultTtl, maxTtl);
    if (answer.kind === "nxdomain" || answer.kind === "nodata") return Math.min(negativeTtl, maxTtl);
    return 0;
  }

  const keyOf = (type: RecordType, name: string): string =>
    type === "PTR" ? name.toLowerCase() : normalizeName(name);

  function peek(type: RecordType, name: string, key = keyOf(type, name)): DnsAnswer<unknown> | undefined {
    const cache = caches.get(type)!;
    const hit = cache.get(key);
    if (hit === undefined) return undefined;
    if (hit.expires > opts.now()) return hit.answer;
    cache.delete(key);
    return undefined;
  }

  function cached<T>(
    type: RecordType,
    name: string,
    ask: () => Promise<DnsAnswer<T>>,
  ): Promise<DnsAnswer<T>> {
    const key = keyOf(type, name);
    const hit = peek(type, name, key);
    if (hit) return Promise.resolve(hit as DnsAnswer<T>);
    const flightKey = `${type} ${key}`;
    const pending = inFlight.get(flightKey);
    if (pending) return pending as Promise<DnsAnswer<T>>;
    const query = ask().then(
      (answer) => {
        inFlight.delete(flightKey);
        const life = lifetimeSec(answer);
        if (life > 0) {
          const cache = caches.get(type)!;
          cache.delete(key); // a renewed entry moves to the end (the newest)
          cache.set(key, { answer, expires: opts.now() + life * 1000 });
          if (opts.maxEntries !== undefined && cache.size > opts.maxEntries) {
            cache.delete(cache.keys().next().value!); // the oldest (Map keeps insertion order)
          }
        }
        return answer;
      },
      (err: unknown) => {
        inFlight.delete(flightKey);
        throw err;
      },
    );
    inFlight.set(flightKey, query);
    return query;
  }

  return {
    txt: (name) => cached("TXT", name, () => inner.txt(name)),
    a: (name) => cached("A", name, () => inner.a(name)),
    aaaa: (name) => cached("AAAA", name, () => inner.aaaa(name)),
    mx: (name) => cached("MX", name, () => inner.mx(name)),
    ptr: (ip) => cached("PTR", ip, () => inner.ptr(ip)),
    peek: (type, name) => peek(type, name),
  };
}
