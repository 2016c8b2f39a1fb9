/**
 * The real DNS client: Node's `dns.promises.Resolver` (c-ares) behind the `Resolver` interface.
 * c-ares falls back to TCP on a truncated UDP answer by itself and honours `timeout` / `tries`.
 */
import { Resolver as NodeDnsResolver } from "node:dns/promises";
import { isIP } from "node:net";
import { reverseName } from "./names.js";
import { describeAnswer, type DnsAnswer, type MxRecord, type Resolver } from "./resolver.js";

/** Options of `nodeResolver`. */
export interface NodeResolverOptions {
  /** Servers as `parseServerSpec` returns them; the system's resolv.conf servers when absent. */
  servers?: string[];
  /** Per-try timeout in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Tries per server before giving up (default 2). */
  tries?: number;
  /** Receives one line per query and its outcome. */
  trace?: (line: string) => void;
}

/** Default per-try timeout, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Default number of tries. */
export const DEFAULT_TRIES = 2;

/**
 * Error codes that say the question itself is unanswerable, so retrying cannot help. Everything else
 * (ETIMEOUT, ESERVFAIL, EREFUSED, ECONNREFUSED, EBADRESP, EFORMERR, …) is temporary.
 */
const PERMANENT_CODES = new Set(["EBADNAME", "EBADFAMILY", "ENOTIMP"]);

/**
 * Maps a rejected c-ares query to a `DnsAnswer`: ENOTFOUND (NXDOMAIN, rcode 3) → `nxdomain`,
 * ENODATA (NOERROR with no records of the type) → `nodata`, anything else → an error. It never maps
 * an error to "no records" (STYLE.md §2).
 */
export function answerFromError(err: unknown): DnsAnswer<never> {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ENOTFOUND") return { kind: "nxdomain" };
  if (code === "ENODATA") return { kind: "nodata" };
  const text = typeof code === "string" ? code : err instanceof Error ? err.message : String(err);
  return { kind: "error", temporary: !PERMANENT_CODES.has(String(code)), detail: text };
}

/**
 * Checks a `--dns` value and returns it in the form `setServers` takes. Accepted: `192.0.2.1`,
 * `192.0.2.1:5353`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:5353`. Host names are refused
 * (a resolver cannot need DNS to find its server). Throws an Error with a one-line message otherwise.
 */
export function parseServerSpec(spec: string): string {
  const s = spec.trim();
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
    if (isIP(host) !== 6) throw new Error(`"${spec}": [${host}] is not an IPv6 address`);
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const m = /^([^:]*)(?::([^:]*))?$/.exec(s);
    if (!m || isIP(m[1]!) !== 4) {
      throw new Error(`"${spec}" is not an IP address (use 192.0.2.1, 192.0.2.1:5353 or [2001:db8::1]:5353)`);
    }
    host = m[1]!;
    port = m[2];
  }
  if (port !== undefined) {
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw new Error(`"${spec}": port must be a number from 1 to 65535`);
    }
  }
  const v6 = isIP(host) === 6;
  if (port === undefined) return host;
  return v6 ? `[${host}]:${Number(port)}` : `${host}:${Number(port)}`;
}

/**
 * A `Resolver` that queries DNS through Node's c-ares client: the system's servers or `servers`.
 * Returns `ok` (TXT character-strings joined with "", A/AAAA with the smallest TTL of the answer),
 * `nxdomain`, `nodata`, or an error (see `answerFromError`); it never throws and never turns an error
 * into an empty answer. It does not cache: wrap it in `cachingResolver` for that.
 * Throws (synchronously, at construction) only when `servers` contains a value `setServers` rejects.
 */
export function nodeResolver(opts: NodeResolverOptions = {}): Resolver {
  const client = new NodeDnsResolver({
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    tries: opts.tries ?? DEFAULT_TRIES,
  });
  if (opts.servers && opts.servers.length > 0) client.setServers(opts.servers);

  async function run<T>(
    type: string,
    name: string,
    query: () => Promise<DnsAnswer<T>>,
  ): Promise<DnsAnswer<T>> {
    let answer: DnsAnswer<T>;
    try {
      answer = await query();
    } catch (err) {
      answer = answerFromError(err);
    }
    opts.trace?.(`dns: ${type} ${name} -> ${describeAnswer(answer)}`);
    return answer;
  }

  const withTtl = async (family: 4 | 6, name: string): Promise<DnsAnswer<string>> => {
    const rrs =
      family === 4 ? await client.resolve4(name, { ttl: true }) : await client.resolve6(name, { ttl: true });
    if (rrs.length === 0) return { kind: "nodata" };
    return { kind: "ok", records: rrs.map((r) => r.address), ttl: Math.min(...rrs.map((r) => r.ttl)) };
  };

  return {
    txt: (name) =>
      run("TXT", name, async () => {
        const rrs = await client.resolveTxt(name);
        return rrs.length === 0
          ? { kind: "nodata" }
          : { kind: "ok", records: rrs.map((chunks) => chunks.join("")) };
      }),
    a: (name) => run("A", name, () => withTtl(4, name)),
    aaaa: (name) => run("AAAA", name, () => withTtl(6, name)),
    mx: (name) =>
      run("MX", name, async () => {
        const rrs = await client.resolveMx(name);
        const records: MxRecord[] = rrs.map((r) => ({ preference: r.priority, exchange: r.exchange }));
        return records.length === 0 ? { kind: "nodata" } : { kind: "ok", records };
      }),
    ptr: (ip) => {
      const rev = reverseName(ip);
      if (rev === null) {
        return run("PTR", ip, async () => ({
          kind: "error",
          temporary: false,
          detail: `not an IP address: "${ip}"`,
        }));
      }
      return run("PTR", rev, async () => {
        const names = await client.resolvePtr(rev);
        return names.length === 0 ? { kind: "nodata" } : { kind: "ok", records: names };
      });
    },
  };
}
