/**
 * A Resolver built from one scenario's `zonedata` of the open-spf.org suites, following the
 * suite's conventions (../shared/conformance/spf/README.md "Rules a test harness must follow"):
 * SPF entries become TXT only where a name has no TXT entry; `TXT: NONE` publishes nothing;
 * TIMEOUT times out every type not listed before it; missing names are NXDOMAIN, and missing
 * names under `error.` time out; CNAMEs are followed and a loop is NODATA.
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import type { DnsAnswer, MxRecord, Resolver } from "../../src/dns/resolver.js";
import { checkSpf } from "../../src/spf/identities.js";
import { parseClientIp } from "../../src/spf/ip-address.js";
import type { SpfOutcome } from "../../src/spf/types.js";

type Entry = string | Record<string, unknown>;
type RType = "TXT" | "A" | "AAAA" | "MX" | "PTR";

interface Node {
  TXT: string[];
  A: string[];
  AAAA: string[];
  MX: MxRecord[];
  PTR: string[];
  cname: string | null;
  /** Types that time out (null: none). */
  timeout: Set<RType> | null;
}

export interface SuiteTest {
  name: string;
  scenario: string;
  description?: string;
  helo: string;
  host: string;
  mailfrom: string;
  result: string | string[];
  explanation?: string;
}

export interface SuiteScenario {
  description: string;
  tests: SuiteTest[];
  zonedata: Record<string, Entry[]>;
}

/** Loads every scenario of a suite file. */
export function loadSuite(path: string): SuiteScenario[] {
  const out: SuiteScenario[] = [];
  for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
    const d = doc.toJS() as {
      description: string;
      tests: Record<string, Omit<SuiteTest, "name">>;
      zonedata?: Record<string, Entry[]>;
    } | null;
    if (!d || !d.tests) continue;
    out.push({
      description: d.description,
      tests: Object.entries(d.tests).map(([name, t]) => ({
        ...t,
        name,
        scenario: d.description,
        helo: String(t.helo ?? ""),
        host: String(t.host),
        mailfrom: String(t.mailfrom ?? ""),
      })),
      zonedata: d.zonedata ?? {},
    });
  }
  return out;
}

const norm = (n: string): string => n.replace(/\.$/, "").toLowerCase();
const text = (v: unknown): string => (Array.isArray(v) ? v.map(String).join("") : String(v));

/** Normalised zone: owner name -> records, per the suite conventions. */
export function buildZone(zonedata: Record<string, Entry[]>): Map<string, Node> {
  const zone = new Map<string, Node>();
  for (const [owner, entries] of Object.entries(zonedata)) {
    const node: Node = { TXT: [], A: [], AAAA: [], MX: [], PTR: [], cname: null, timeout: null };
    const spf: string[] = [];
    let hasTxt = false;
    const seen = new Set<RType>();
    for (const e of entries ?? []) {
      if (e === "TIMEOUT") {
        node.timeout = new Set<RType>(
          (["TXT", "A", "AAAA", "MX", "PTR"] as RType[]).filter((t) => !seen.has(t)),
        );
        continue;
      }
      if (typeof e !== "object" || e === null) continue;
      const [type, value] = Object.entries(e)[0]!;
      switch (type) {
        case "SPF":
          spf.push(text(value));
          break;
        case "TXT":
          hasTxt = true;
          if (value !== "NONE") {
            node.TXT.push(text(value));
            seen.add("TXT");
          }
          break;
        case "A":
        case "AAAA":
        case "PTR":
          node[type].push(String(value));
          seen.add(type);
          break;
        case "MX": {
          const [preference, exchange] = value as [number, string];
          node.MX.push({ preference: Number(preference), exchange: String(exchange) });
          seen.add("MX");
          break;
        }
        case "CNAME":
          node.cname = norm(String(value));
          break;
      }
    }
    if (!hasTxt) {
      node.TXT.push(...spf);
      if (spf.length) seen.add("TXT");
    }
    zone.set(norm(owner), node);
  }
  return zone;
}

/** The in-addr.arpa / ip6.arpa name of an IP. */
export function reverseName(ip: string): string {
  const a = parseClientIp(ip);
  if (!a) return ip;
  if (a.version === 4) return `${Array.from(a.bytes).reverse().join(".")}.in-addr.arpa`;
  const nib: string[] = [];
  for (const b of a.bytes) nib.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nib.reverse().join(".")}.ip6.arpa`;
}

/** A Resolver answering from a scenario's zonedata. `queries` records every question asked. */
export function suiteResolver(zonedata: Record<string, Entry[]>): Resolver & { queries: string[] } {
  const zone = buildZone(zonedata);
  const queries: string[] = [];
  function lookup<T>(type: RType, name: string, pick: (n: Node) => T[]): DnsAnswer<T> {
    queries.push(`${type} ${name}`);
    let n = norm(name);
    const seen = new Set<string>();
    for (;;) {
      const node = zone.get(n);
      if (!node) {
        if (n.startsWith("error.")) return { kind: "error", temporary: true, detail: "timeout" };
        return seen.size ? { kind: "nodata" } : { kind: "nxdomain" };
      }
      if (node.timeout?.has(type)) return { kind: "error", temporary: true, detail: "timeout" };
      const recs = pick(node);
      if (recs.length) return { kind: "ok", records: recs };
      if (!node.cname) return { kind: "nodata" };
      if (seen.has(n)) return { kind: "nodata" }; // CNAME loop: no data (suite rule 10)
      seen.add(n);
      n = node.cname;
    }
  }
  return {
    queries,
    txt: async (name) => lookup("TXT", name, (n) => n.TXT),
    a: async (name) => lookup("A", name, (n) => n.A),
    aaaa: async (name) => lookup("AAAA", name, (n) => n.AAAA),
    mx: async (name) => lookup("MX", name, (n) => n.MX),
    ptr: async (ip) => lookup("PTR", reverseName(ip), (n) => n.PTR),
  };
}

/** Runs one suite test through checkSpf (scope mfrom; a null MAIL FROM checks postmaster@HELO). */
export async function runSuiteTest(
  t: SuiteTest,
  zonedata: Record<string, Entry[]>,
  resolver: Resolver = suiteResolver(zonedata),
): Promise<SpfOutcome> {
  const [first] = await checkSpf({
    ip: t.host,
    sender: t.mailfrom,
    helo: t.helo,
    resolver,
    defaultExplanation: "DEFAULT",
    now: () => new Date("2026-11-25T12:00:00Z"),
  });
  return first!.outcome;
}
