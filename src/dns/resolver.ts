/**
 * The one DNS interface of spfdk. The core takes a `Resolver` as a required option and never
 * falls back to live DNS; `src/dns/` provides the real client and the zone-file resolver.
 */

/** One DNS answer. NXDOMAIN and NODATA are both "void lookups" (RFC 7208 §4.6.4). */
export type DnsAnswer<T> =
  | { kind: "ok"; records: T[]; ttl?: number }
  | { kind: "nxdomain" }
  | { kind: "nodata" }
  | { kind: "error"; temporary: boolean; detail: string };

/** An MX record. */
export interface MxRecord {
  preference: number;
  exchange: string;
}

/**
 * Resolvers return DNS outcomes as `DnsAnswer` and never throw for them. An error (timeout,
 * SERVFAIL, refused) is never turned into "no records".
 */
export interface Resolver {
  /** TXT records of `name`; the character-strings of one record are joined with no separator. */
  txt(name: string): Promise<DnsAnswer<string>>;
  /** IPv4 addresses of `name` (CNAMEs followed). */
  a(name: string): Promise<DnsAnswer<string>>;
  /** IPv6 addresses of `name` (CNAMEs followed). */
  aaaa(name: string): Promise<DnsAnswer<string>>;
  /** MX records of `name`. */
  mx(name: string): Promise<DnsAnswer<MxRecord>>;
  /** PTR names for the IP address `ip` (the resolver builds the in-addr.arpa / ip6.arpa name). */
  ptr(ip: string): Promise<DnsAnswer<string>>;
}

/** The record types a `Resolver` answers. */
export type RecordType = "TXT" | "A" | "AAAA" | "MX" | "PTR";

/** One-line description of an answer for trace output: `ok ["192.0.2.1"]`, `nxdomain`, `temporary error: ETIMEOUT`. */
export function describeAnswer(answer: DnsAnswer<unknown>): string {
  switch (answer.kind) {
    case "ok":
      return `ok ${JSON.stringify(answer.records)}`;
    case "nxdomain":
    case "nodata":
      return answer.kind;
    case "error":
      return `${answer.temporary ? "temporary" : "permanent"} error: ${answer.detail}`;
  }
}
