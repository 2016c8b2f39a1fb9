import { describe, expect, it } from "@jest/globals";
import type { Resolver } from "../../src/dns/resolver.js";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { checkHost, type CheckHostOptions } from "../../src/spf/check-host.js";
import type { SpfTraceEvent } from "../../src/spf/check-state.js";
import { checkSpf } from "../../src/spf/identities.js";

const zone: ZoneData = {
  "example.com": { TXT: ["v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"] },
  "_spf.example.net": { TXT: ["v=spf1 a -all"], A: ["198.51.100.7"] },
  "flaky.example": "SERVFAIL",
  "mx10.example": {
    TXT: ["v=spf1 mx -all"],
    MX: Array.from({ length: 10 }, (_, i) => ({ preference: i, exchange: `m${i}.mx10.example` })),
  },
  "mx11.example": {
    TXT: ["v=spf1 mx -all"],
    MX: Array.from({ length: 11 }, (_, i) => ({ preference: i, exchange: `m${i}.mx11.example` })),
  },
  "m9.mx10.example": { A: ["203.0.113.5"] },
  "voids.example": { TXT: ["v=spf1 a:n1.voids.example a:n2.voids.example a:n3.voids.example -all"] },
  "loop.example": { TXT: ["v=spf1 include:loop.example -all"] },
  "v6only.example": {
    TXT: ["v=spf1 a:h1.v6only.example a:h2.v6only.example a:h3.v6only.example ip4:192.0.2.0/24 -all"],
  },
  "h1.v6only.example": { AAAA: ["2001:db8::1"] },
  "h2.v6only.example": { AAAA: ["2001:db8::2"] },
  "h3.v6only.example": { AAAA: ["2001:db8::3"] },
  "macro.example": { TXT: ["v=spf1 exists:%{ir}.%{l1r-}.%{d}._e.macro.example -all"] },
  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.alice.macro.example._e.macro.example": {
    A: ["127.0.0.2"],
  },
  "mapped.example": { TXT: ["v=spf1 ip4:192.0.2.9 -all"] },
};
const resolver = staticResolver(zone);
const check = (ip: string, sender: string, extra: Partial<CheckHostOptions> = {}) =>
  checkHost({ ip, sender, domain: sender.split("@")[1]!, helo: "mx.example.org", resolver, ...extra });

describe("checkHost", () => {
  it.each([
    ["192.0.2.10", "pass"],
    ["198.51.100.7", "pass"],
    ["203.0.113.9", "fail"],
  ] as const)("client %s gets %s", async (ip, expected) => {
    expect((await check(ip, "a@example.com")).result).toBe(expected);
  });

  it("carries the matched term, its record and domain, and the counts", async () => {
    const o = await check("198.51.100.7", "a@example.com");
    expect(o).toMatchObject({
      result: "pass",
      matched: { domain: "example.com", term: "include:_spf.example.net", start: 24 },
      lookups: 2,
      voidLookups: 0,
    });
  });

  it("a DNS failure is temperror, not a fail or none (OpenDKIM#176)", async () => {
    expect(await check("192.0.2.1", "a@flaky.example")).toMatchObject({ result: "temperror" });
  });

  it("mx with 10 names is evaluated; with 11 it is permerror MX_LIMIT", async () => {
    expect((await check("203.0.113.5", "a@mx10.example")).result).toBe("pass");
    expect(await check("203.0.113.5", "a@mx11.example")).toMatchObject({
      result: "permerror",
      code: "MX_LIMIT",
    });
  });

  it("the third void lookup is permerror VOID_LIMIT; --void-limit raises the limit", async () => {
    expect(await check("192.0.2.1", "a@voids.example")).toMatchObject({
      result: "permerror",
      code: "VOID_LIMIT",
      voidLookups: 3,
    });
    expect(await check("192.0.2.1", "a@voids.example", { voidLimit: 3 })).toMatchObject({
      result: "fail",
      voidLookups: 3,
    });
  });

  it("A NODATA for the client's address family counts as void (pyspf#40): IPv4 clients on v6-only hosts", async () => {
    const o = await check("2001:db8::99", "a@v6only.example");
    expect(o).toMatchObject({ result: "fail", voidLookups: 0 });
    const v4 = await check("192.0.2.1", "a@v6only.example");
    expect(v4).toMatchObject({ result: "permerror", code: "VOID_LIMIT" });
  });

  it("an include loop ends in permerror LOOKUP_LIMIT", async () => {
    const o = await check("192.0.2.1", "a@loop.example");
    expect(o).toMatchObject({ result: "permerror", code: "LOOKUP_LIMIT", lookups: 11 });
  });

  it("expands %{ir} of IPv6 in nibble form and %{l1r-}", async () => {
    expect((await check("2001:db8::1", "alice-bob@macro.example")).result).toBe("pass");
  });

  it("evaluates an IPv4-mapped IPv6 client as IPv4", async () => {
    expect((await check("::ffff:192.0.2.9", "a@mapped.example")).result).toBe("pass");
  });

  it("asks each (type, name) at most once per check", async () => {
    const r = staticResolver({
      "dup.example": { TXT: ["v=spf1 a a a:dup.example mx mx exists:dup.example -all"], A: ["192.0.2.1"] },
    });
    const asked: string[] = [];
    const counting: Resolver = {
      txt: (n) => (asked.push(`TXT ${n}`), r.txt(n)),
      a: (n) => (asked.push(`A ${n}`), r.a(n)),
      aaaa: (n) => (asked.push(`AAAA ${n}`), r.aaaa(n)),
      mx: (n) => (asked.push(`MX ${n}`), r.mx(n)),
      ptr: (n) => (asked.push(`PTR ${n}`), r.ptr(n)),
    };
    const o = await checkHost({
      ip: "203.0.113.1",
      sender: "a@dup.example",
      domain: "dup.example",
      helo: "x.example",
      resolver: counting,
    });
    expect(o).toMatchObject({ result: "pass", lookups: 6, voidLookups: 2 });
    expect(asked).toEqual(["TXT dup.example", "A dup.example", "MX dup.example"]);
  });

  it("returns temperror within the time budget when DNS never answers", async () => {
    const never: Resolver = {
      txt: () => new Promise(() => undefined),
      a: () => new Promise(() => undefined),
      aaaa: () => new Promise(() => undefined),
      mx: () => new Promise(() => undefined),
      ptr: () => new Promise(() => undefined),
    };
    const t0 = Date.now();
    const o = await checkHost({
      ip: "192.0.2.1",
      sender: "a@x.example",
      domain: "x.example",
      helo: "h.example",
      resolver: never,
      timeBudgetMs: 150,
    });
    expect(o).toMatchObject({ result: "temperror" });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("a resolver that throws gives temperror, never a crash", async () => {
    const throwing = { ...resolver, txt: async () => Promise.reject(new Error("boom")) };
    expect(
      await checkHost({
        ip: "192.0.2.1",
        sender: "a@example.com",
        domain: "example.com",
        helo: "h",
        resolver: throwing,
      }),
    ).toMatchObject({
      result: "temperror",
    });
  });

  it("a bad client IP is a permerror outcome, not an exception", async () => {
    expect(await check("1.2.3", "a@example.com")).toMatchObject({ result: "permerror", code: "SYNTAX" });
  });

  it("traces records, terms and DNS with include depth and running counts", async () => {
    const events: SpfTraceEvent[] = [];
    await check("198.51.100.7", "a@example.com", { trace: (e) => events.push(e) });
    expect(events.map((e) => `${e.depth} ${e.kind} ${e.text}`)).toContain(
      '1 record _spf.example.net: "v=spf1 a -all"',
    );
    expect(events.find((e) => e.kind === "term" && e.text === "a")).toMatchObject({ depth: 1, lookups: 1 });
  });
});

describe("checkSpf identities", () => {
  it("uses postmaster@HELO for a null sender and checks HELO first with scope both", async () => {
    const ids = await checkSpf({ ip: "198.51.100.7", sender: "<>", helo: "example.com", resolver });
    expect(ids).toMatchObject([{ identity: "mfrom", sender: "postmaster@example.com", nullSender: true }]);
    const both = await checkSpf({
      ip: "198.51.100.7",
      sender: "a@example.com",
      helo: "_spf.example.net",
      scope: "both",
      resolver,
    });
    expect(both.map((i) => `${i.identity}:${i.domain}:${i.outcome.result}`)).toEqual([
      "helo:_spf.example.net:pass",
      "mfrom:example.com:pass",
    ]);
  });
});
