/**
 * A caching, query-coalescing wrapper around any `Resolver`, for runs that repeat lookups
 * (`check-spf --batch`). The cache lives in the returned object; nothing is module-level.
 */
import type { DnsAnswer, Resolver } from "./resolver.js";
import { normalizeName } from "./static-resolver.js";

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
}

/** Default lifetime of an `ok` answer without a TTL, in seconds. */
export const DEFAULT_CACHE_TTL_SEC = 300;
/** Default cap on cache lifetimes, in seconds. */
export const DEFAULT_MAX_TTL_SEC = 3600;
/** Default lifetime of negative answers, in seconds. */
export const DEFAULT_NEGATIVE_TTL_SEC = 60;

type Entry = { answer: DnsAnswer<unknown>; expires: number };

/**
 * Wraps `inner` so that:
 * - an `ok` answer is reused until its TTL (or `defaultTtlSec` when it has none, capped at
 *   `maxTtlSec`) has passed; a TTL of 0 is not reused;
 * - `nxdomain` / `nodata` are reused for `negativeTtlSec`;
 * - errors are never cached: the next query asks again;
 * - concurrent queries for the same type and name share one in-flight inner query.
 * Names are keyed case-insensitively without the trailing dot; `ptr` is keyed by the IP text.
 * Returned answers are shared objects: callers must not mutate them.
 */
export function cachingResolver(inner: Resolver, opts: CachingResolverOptions): Resolver {
  const defaultTtl = opts.defaultTtlSec ?? DEFAULT_CACHE_TTL_SEC;
  const maxTtl = opts.maxTtlSec ?? DEFAULT_MAX_TTL_SEC;
  const negativeTtl = opts.negativeTtlSec ?? DEFAULT_NEGATIVE_TTL_SEC;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<DnsAnswer<unknown>>>();

  function lifetimeSec(answer: DnsAnswer<unknown>): number {
    if (answer.kind === "ok") return Math.min(answer.ttl ?? defaultTtl, maxTtl);
    if (answer.kind === "nxdomain" || answer.kind === "nodata") return Math.min(negativeTtl, maxTtl);
    return 0;
  }

  function cached<T>(type: string, name: string, ask: () => Promise<DnsAnswer<T>>): Promise<DnsAnswer<T>> {
    const key = `${type} ${type === "PTR" ? name.toLowerCase() : normalizeName(name)}`;
    const hit = cache.get(key);
    if (hit && hit.expires > opts.now()) return Promise.resolve(hit.answer as DnsAnswer<T>);
    if (hit) cache.delete(key);
    const pending = inFlight.get(key);
    if (pending) return pending as Promise<DnsAnswer<T>>;
    const query = ask().then(
      (answer) => {
        inFlight.delete(key);
        const life = lifetimeSec(answer);
        if (life > 0) cache.set(key, { answer, expires: opts.now() + life * 1000 });
        return answer;
      },
      (err: unknown) => {
        inFlight.delete(key);
        throw err;
      },
    );
    inFlight.set(key, query);
    return query;
  }

  return {
    txt: (name) => cached("TXT", name, () => inner.txt(name)),
    a: (name) => cached("A", name, () => inner.a(name)),
    aaaa: (name) => cached("AAAA", name, () => inner.aaaa(name)),
    mx: (name) => cached("MX", name, () => inner.mx(name)),
    ptr: (ip) => cached("PTR", ip, () => inner.ptr(ip)),
  };
}
