/**
 * An in-memory `Resolver` that answers from a `ZoneData` object: the resolver of core tests and of
 * `--zone FILE` (replaying a run offline). It does no I/O.
 */
import { normalizeName, reverseName } from "./names.js";
import { describeAnswer, type DnsAnswer, type MxRecord, type RecordType, type Resolver } from "./resolver.js";

/** The records of one owner name. */
export interface ZoneNode {
  /** TXT records; a `string[]` entry is one record made of several character-strings (RFC 1035 §3.3.14). */
  TXT?: (string | string[])[];
  /** IPv4 addresses. */
  A?: string[];
  /** IPv6 addresses. */
  AAAA?: string[];
  /** Mail exchangers. */
  MX?: MxRecord[];
  /** PTR targets; they belong at `in-addr.arpa` / `ip6.arpa` owner names (see `reverseName`). */
  PTR?: string[];
  /** An alias; when present the other record types of this node are ignored (RFC 1034 §3.6.2). */
  CNAME?: string;
  /** TTL in seconds reported with `ok` answers (no TTL when absent). */
  ttl?: number;
  /** Per-type failures: queries of these types get a temporary error, the others are answered. */
  errors?: Partial<Record<RecordType, ZoneFailure>>;
}

/** A simulated failure: queries get a temporary error (the loopback server: rcode 2 / 5, or no reply). */
export type ZoneFailure = "SERVFAIL" | "TIMEOUT" | "REFUSED";

/** Owner name (case-insensitive, trailing dot ignored) to its records, or to a failure for every type. */
export type ZoneData = Record<string, ZoneNode | ZoneFailure>;

/** Options of `staticResolver`. */
export interface StaticResolverOptions {
  /** Receives one line per query and its outcome. */
  trace?: (line: string) => void;
}

/** Longest CNAME chain followed; a longer chain is treated like a loop. */
export const MAX_CNAME_CHAIN = 8;

export { normalizeName };

/** Where following CNAMEs from a name ends; `aliases` are the CNAME owners passed, in order. */
export type CnameWalk = { aliases: string[] } & (
  | { kind: "node"; owner: string; node: ZoneNode }
  | { kind: "nxdomain"; owner: string }
  | { kind: "failure"; owner: string; failure: ZoneFailure }
  | { kind: "loop" }
);

/**
 * Follows CNAMEs from `name` (RFC 1034 §3.6.2) through `lookup` (normalized owner → entry). The walk
 * ends at a node without a CNAME, a missing name, a failure entry, or a loop (a repeated owner or
 * more than MAX_CNAME_CHAIN aliases). Shared by `staticResolver` and the loopback test server.
 */
export function walkCnames(
  lookup: (owner: string) => ZoneNode | ZoneFailure | undefined,
  name: string,
): CnameWalk {
  const aliases: string[] = [];
  let owner = normalizeName(name);
  for (;;) {
    const entry = lookup(owner);
    if (entry === undefined) return { kind: "nxdomain", owner, aliases };
    if (typeof entry === "string") return { kind: "failure", owner, failure: entry, aliases };
    if (entry.CNAME === undefined) return { kind: "node", owner, node: entry, aliases };
    aliases.push(owner);
    owner = normalizeName(entry.CNAME);
    if (aliases.includes(owner) || aliases.length > MAX_CNAME_CHAIN) return { kind: "loop", aliases };
  }
}

/** The TXT value of one record: its character-strings joined with no separator (RFC 7208 §3.3). */
function txtValue(rec: string | string[]): string {
  return Array.isArray(rec) ? rec.join("") : rec;
}

/**
 * A `Resolver` answering from `zone`. Names are matched case-insensitively, a trailing dot is ignored.
 * - name absent → `nxdomain`; name present without records of the type → `nodata`;
 * - a CNAME is followed to its target (the target's answer, including `nxdomain`, is returned);
 * - a CNAME loop (or a chain over MAX_CNAME_CHAIN) → `nodata`. RFC 1034 §3.6.2 asks for loops to be
 *   "signalled as an error", but what a client sees depends on the server: an authoritative server
 *   returns the looping CNAMEs and Node's client then reports no data, and the RFC 7208 suite
 *   (ptr-cname-loop) expects a loop to be no data. Answering `nodata` keeps `--zone` replays equal
 *   to the wire path against the loopback server;
 * - a name mapped to "SERVFAIL", "TIMEOUT" or "REFUSED" → `{kind:"error", temporary:true}` for every
 *   type; a type listed in a node's `errors` → the same for that type only;
 * - `ptr(ip)` looks up the reverse name of `ip`; a non-IP argument → `{kind:"error", temporary:false}`.
 * `ok` answers carry the node's `ttl` when it has one, and fresh arrays. Never throws.
 */
export function staticResolver(zone: ZoneData, opts: StaticResolverOptions = {}): Resolver {
  const index = new Map<string, ZoneNode | ZoneFailure>();
  for (const [name, value] of Object.entries(zone)) index.set(normalizeName(name), value);

  function answerFor<T>(
    type: RecordType,
    name: string,
    pick: (n: ZoneNode) => T[] | undefined,
  ): DnsAnswer<T> {
    const walk = walkCnames((owner) => index.get(owner), name);
    switch (walk.kind) {
      case "nxdomain":
        return { kind: "nxdomain" };
      case "loop":
        return { kind: "nodata" };
      case "failure":
        return { kind: "error", temporary: true, detail: `${walk.failure} for ${type} ${walk.owner}` };
      case "node": {
        const failure = walk.node.errors?.[type];
        if (failure)
          return { kind: "error", temporary: true, detail: `${failure} for ${type} ${walk.owner}` };
        const records = [...(pick(walk.node) ?? [])];
        if (records.length === 0) return { kind: "nodata" };
        return walk.node.ttl === undefined
          ? { kind: "ok", records }
          : { kind: "ok", records, ttl: walk.node.ttl };
      }
    }
  }

  function lookup<T>(type: RecordType, name: string, pick: (n: ZoneNode) => T[] | undefined): DnsAnswer<T> {
    const answer = answerFor(type, name, pick);
    opts.trace?.(`dns: ${type} ${name} -> ${describeAnswer(answer)}`);
    return answer;
  }

  return {
    txt: async (name) => lookup("TXT", name, (n) => n.TXT?.map(txtValue)),
    a: async (name) => lookup("A", name, (n) => n.A),
    aaaa: async (name) => lookup("AAAA", name, (n) => n.AAAA),
    mx: async (name) => lookup("MX", name, (n) => n.MX?.map((m) => ({ ...m }))),
    ptr: async (ip) => {
      const rev = reverseName(ip);
      if (rev === null) {
        const answer: DnsAnswer<string> = {
          kind: "error",
          temporary: false,
          detail: `not an IP address: "${ip}"`,
        };
        opts.trace?.(`dns: PTR ${ip} -> ${describeAnswer(answer)}`);
        return answer;
      }
      return lookup("PTR", rev, (n) => n.PTR);
    },
  };
}

/** `staticResolver(data)`: the short form tests use (`zone({...})`, STYLE.md §9). */
export function zone(data: ZoneData): Resolver {
  return staticResolver(data);
}
