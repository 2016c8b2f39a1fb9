/**
 * The pitfalls of /work/shared/notes/spf.md §2 that peers get wrong, one test each: void lookups of
 * IPv6 clients on IPv4-only hosts (pyspf#40, #44), %{d} inside include/redirect (mailauth#125),
 * %{ir} of IPv6 (rspamd#3625), mixed-case `Include:` (checkdmarc#42), zero-string TXT records.
 */
import { describe, expect, it } from "@jest/globals";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { checkHost, type CheckHostOptions } from "../../src/spf/check-host.js";
import type { SpfTraceEvent } from "../../src/spf/check-state.js";
import { lintSpfDomain } from "../../src/spf/lint.js";

const zone: ZoneData = {
  "v4only.example": {
    TXT: ["v=spf1 a:h1.v4only.example a:h2.v4only.example a:h3.v4only.example ip6:2001:db8:9::/48 -all"],
  },
  "h1.v4only.example": { A: ["192.0.2.1"] },
  "h2.v4only.example": { A: ["192.0.2.2"] },
  "h3.v4only.example": { A: ["192.0.2.3"] },
  "empty.example": {
    TXT: ["v=spf1 a:h1.v4only.example a:nothing.empty.example a:gone.empty.example a:h2.v4only.example -all"],
  },
  "nothing.empty.example": { TXT: ["not spf"] },
  "outer.example": { TXT: ["v=spf1 include:inner.example -all"] },
  "redir.example": { TXT: ["v=spf1 redirect=inner.example"] },
  "inner.example": { TXT: ["v=spf1 exists:%{o}.%{d}.chk.example -all"] },
  "outer.example.inner.example.chk.example": { A: ["127.0.0.2"] },
  "redir.example.inner.example.chk.example": { A: ["127.0.0.2"] },
  "ir.example": { TXT: ["v=spf1 exists:%{ir}.%{v}._ir.example -all"] },
  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._ir.example": { A: ["127.0.0.2"] },
  "valimail.example": { TXT: ["v=spf1 exists:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.example -all"] },
  "192.0.2.77._ip.mx.sender.example._ehlo.valimail.example._spf.vali.example": { A: ["127.0.0.2"] },
  "mixed.example": { TXT: ["V=SPF1 Include:_spf.mixed.example IP4:192.0.2.7 -ALL"] },
  "_spf.mixed.example": { TXT: ["v=spf1 A -all"], A: ["198.51.100.8"] },
  "zero.example": { TXT: [[], "v=spf1 ip4:192.0.2.9 -all", []] },
  "onlyzero.example": { TXT: [[]] },
  "split.example": { TXT: [["v=spf1 ip4:", "192.0.2.5 -all"]] },
};
const resolver = staticResolver(zone);
const check = (ip: string, sender: string, extra: Partial<CheckHostOptions> = {}) =>
  checkHost({ ip, sender, domain: sender.split("@")[1]!, helo: "mx.example.org", resolver, ...extra });

describe("void lookups of IPv6 clients on IPv4-only hosts (pyspf#40, #44)", () => {
  it("count by default (RFC 7208 §4.6.4 read literally), and the trace says what to do", async () => {
    const events: SpfTraceEvent[] = [];
    const o = await check("2001:db8::99", "a@v4only.example", { trace: (e) => events.push(e) });
    expect(o).toMatchObject({ result: "permerror", code: "VOID_LIMIT", voidLookups: 3 });
    const notes = events.filter((e) => e.kind === "note").map((e) => e.text);
    expect(notes).toContain(
      "AAAA h1.v4only.example is empty for this IPv6 client; if h1.v4only.example is an IPv4-only host, --dual-stack-voids does not count this as void",
    );
  });

  it("with dualStackVoids, a name with A records is not void and the check reaches its answer", async () => {
    const events: SpfTraceEvent[] = [];
    const o = await check("2001:db8::99", "a@v4only.example", {
      dualStackVoids: true,
      trace: (e) => events.push(e),
    });
    expect(o).toMatchObject({ result: "fail", voidLookups: 0, lookups: 3 });
    expect(await check("2001:db8:9::1", "a@v4only.example", { dualStackVoids: true })).toMatchObject({
      result: "pass",
      voidLookups: 0,
    });
    expect(events.some((e) => e.text.includes("IPv4-only host): not void"))).toBe(true);
  });

  it("with dualStackVoids, names without any address and NXDOMAIN still count", async () => {
    const o = await check("2001:db8::99", "a@empty.example", { dualStackVoids: true });
    expect(o).toMatchObject({ result: "fail", voidLookups: 2 });
    expect(
      await check("2001:db8::99", "a@empty.example", { dualStackVoids: true, voidLimit: 1 }),
    ).toMatchObject({ result: "permerror", code: "VOID_LIMIT" });
  });

  it("spf-lint counts voids per client family and flags VOID_LIMIT_IPV6", async () => {
    const r = await lintSpfDomain("v4only.example", { resolver });
    expect(r.totalVoidLookups).toBe(0);
    expect(r.totalFamilyVoidLookups).toEqual({ ipv4: 0, ipv6: 3 });
    expect(r.findings.map((f) => [f.severity, f.code])).toEqual([["error", "VOID_LIMIT_IPV6"]]);
    expect(r.verdict).toBe("error");
    const e = await lintSpfDomain("empty.example", { resolver });
    expect([e.totalVoidLookups, e.totalFamilyVoidLookups]).toEqual([2, { ipv4: 2, ipv6: 4 }]);
    expect(e.findings.map((f) => f.code)).toEqual(["VOID_LIMIT_IPV6"]);
  });

  it("IPv4 clients are not affected by the option", async () => {
    for (const dualStackVoids of [false, true]) {
      expect(await check("192.0.2.3", "a@v4only.example", { dualStackVoids })).toMatchObject({
        result: "pass",
        voidLookups: 0,
      });
    }
  });
});

describe("macros", () => {
  it("%{d} is the included domain inside include, %{o} stays the sender's (mailauth#125)", async () => {
    expect(await check("192.0.2.50", "a@outer.example")).toMatchObject({
      result: "pass",
      matched: { domain: "outer.example", term: "include:inner.example" },
    });
  });

  it("%{d} is the target domain after redirect= (RFC 7208 §6.1)", async () => {
    expect(await check("192.0.2.50", "a@redir.example")).toMatchObject({
      result: "pass",
      matched: { domain: "inner.example", term: "exists:%{o}.%{d}.chk.example" },
    });
  });

  it("%{ir} of an IPv6 client is 32 reversed nibbles and %{v} is ip6 (rspamd#3625)", async () => {
    expect((await check("2001:db8::1", "a@ir.example")).result).toBe("pass");
    expect((await check("2001:db8::2", "a@ir.example")).result).toBe("fail");
  });
});

describe("macros in the wild", () => {
  it("%{i}._ip.%{h}._ehlo.%{d} works with a HELO, and without one is a void lookup, not a crash", async () => {
    expect(await check("192.0.2.77", "a@valimail.example", { helo: "mx.sender.example" })).toMatchObject({
      result: "pass",
    });
    expect(await check("192.0.2.77", "a@valimail.example", { helo: "" })).toMatchObject({
      result: "fail",
      voidLookups: 1,
    });
  });
});

describe("record text", () => {
  it("accepts mixed-case version, mechanism names and qualifiers (checkdmarc#42, trustymail#39)", async () => {
    expect(await check("198.51.100.8", "a@mixed.example")).toMatchObject({
      result: "pass",
      matched: { term: "Include:_spf.mixed.example" },
      lookups: 2,
    });
    expect(await check("192.0.2.7", "a@mixed.example")).toMatchObject({ result: "pass" });
    expect(await check("203.0.113.1", "a@mixed.example")).toMatchObject({
      result: "fail",
      matched: { term: "-ALL" },
    });
  });

  it("a zero-string TXT record is an empty text, not a crash and not an SPF record", async () => {
    expect(await check("192.0.2.9", "a@zero.example")).toMatchObject({ result: "pass" });
    expect(await check("192.0.2.9", "a@onlyzero.example")).toMatchObject({
      result: "none",
      why: "no-record",
    });
    const lint = await lintSpfDomain("zero.example", { resolver });
    expect(lint.tree.record).toBe("v=spf1 ip4:192.0.2.9 -all");
    expect(lint.verdict).toBe("clean");
  });

  it("joins the character-strings of one TXT record with no separator (RFC 7208 §3.3)", async () => {
    expect(await check("192.0.2.5", "a@split.example")).toMatchObject({ result: "pass" });
  });
});
