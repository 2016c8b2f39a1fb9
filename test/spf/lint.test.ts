import { describe, expect, it } from "@jest/globals";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { countLookupTerms, lintSpfDomain, lintSpfRecord } from "../../src/spf/lint.js";
import { parseSpfRecord } from "../../src/spf/parser.js";

const codes = (text: string) => lintSpfRecord(text).map((f) => `${f.severity}:${f.code}`);

describe("lintSpfRecord", () => {
  it.each([
    ["v=spf1 ip4:192.0.2.0/24 -all", []],
    ["v=spf1 mx ~all", []],
    ["v=spf1 redirect=_spf.example.com", []],
    ["v=spf1 ptr -all", ["warning:PTR"]],
    ["v=spf1 +all", ["warning:PLUS_ALL"]],
    ["v=spf1 all", ["warning:PLUS_ALL"]],
    ["v=spf1 ?all", ["warning:NEUTRAL_ALL"]],
    ["v=spf1 a mx", ["warning:NO_ALL"]],
    ["v=spf1 -all a", ["warning:AFTER_ALL"]],
    ["v=spf1 -all redirect=x.example.com", ["warning:REDIRECT_IGNORED"]],
    ["v=spf1 redirect=x.example.com -all", ["warning:REDIRECT_IGNORED"]],
    ["v=spf1 exists:%{i}._spf.example.com -all", ["warning:MACRO"]],
    ["v=spf1 ip4:192.0.2.1 foo -all", ["error:SYNTAX"]],
    ["v=spf1 " + "a ".repeat(11) + "-all", ["error:LOOKUP_LIMIT"]],
  ] as const)("%j -> %j", (text, want) => expect(codes(text)).toEqual(want));

  it("points at the term of a syntax error", () => {
    expect(lintSpfRecord("v=spf1 ip4:1.2.3.4/33 -all")[0]).toMatchObject({
      code: "SYNTAX",
      term: { text: "ip4:1.2.3.4/33", start: 7, end: 21 },
    });
  });

  it("warns about length over 450 bytes and strings over 255", () => {
    const ips = Array.from({ length: 30 }, (_, i) => `ip4:198.51.100.${i}`).join(" ");
    const found = codes(`v=spf1 ${ips} -all`);
    expect(found).toEqual(expect.arrayContaining(["warning:LENGTH", "warning:LONG_STRING"]));
    expect(codes(`v=spf1 ${ips.slice(0, 300)} -all`.replace(/ \S*$/, " -all"))).toContain(
      "warning:LONG_STRING",
    );
  });
});

describe("countLookupTerms", () => {
  it("counts include, a, mx, ptr, exists and redirect, not ip4/ip6/all/exp", () => {
    const r = parseSpfRecord(
      "v=spf1 ip4:192.0.2.1 a mx ptr include:x.example exists:y.example exp=e.example redirect=z.example",
    );
    expect(r.ok && countLookupTerms(r.record)).toBe(6);
  });
});

const zone: ZoneData = {
  "example.com": {
    TXT: ["v=spf1 include:_spf.example.net include:none.example a:nohost.example.com mx -all"],
    MX: [{ preference: 10, exchange: "mail.example.com" }],
  },
  "mail.example.com": { A: ["192.0.2.1"] },
  "_spf.example.net": { TXT: ["v=spf1 include:deep.example.net ip4:198.51.100.0/24 -all"] },
  "deep.example.net": { TXT: ["v=spf1 " + "a:h.example.net ".repeat(9) + "-all"] },
  "h.example.net": { A: ["198.51.100.1"] },
  "none.example": { TXT: ["just text"] },
  "loop.example": { TXT: ["v=spf1 include:loop2.example -all"] },
  "loop2.example": { TXT: ["v=spf1 include:loop.example -all"] },
  "ok.example": { TXT: ["v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"] },
  "flaky.example": "SERVFAIL",
  "clean.example": { TXT: ["v=spf1 ip4:192.0.2.0/24 include:small.example -all"] },
  "small.example": { TXT: ["v=spf1 ip6:2001:db8::/32 -all"] },
  "soft.example": { TXT: ["v=spf1 ptr ~all"] },
};

describe("lintSpfDomain", () => {
  const resolver = staticResolver(zone);

  it("walks the tree and counts lookups per branch and past 10", async () => {
    const r = await lintSpfDomain("example.com", { resolver });
    expect(r.tree.ownLookups).toBe(4);
    expect(r.tree.children.map((c) => [c.domain, c.branchLookups])).toEqual([
      ["_spf.example.net", 10],
      ["none.example", 0],
    ]);
    expect(r.totalLookups).toBe(14);
    expect(r.totalVoidLookups).toBe(1);
    expect(r.findings.map((f) => `${f.domain}:${f.code}`)).toEqual(
      expect.arrayContaining(["none.example:INCLUDE_NONE", "example.com:LOOKUP_LIMIT"]),
    );
    expect(r.verdict).toBe("error");
  });

  it("counts an include of a 10-lookup branch as 11, and a small tree as clean", async () => {
    const over = await lintSpfDomain("ok.example", { resolver });
    expect([over.totalLookups, over.verdict]).toEqual([11, "error"]);
    const clean = await lintSpfDomain("clean.example", { resolver });
    expect([clean.totalLookups, clean.verdict, clean.findings]).toEqual([1, "clean", []]);
    const soft = await lintSpfDomain("soft.example", { resolver });
    expect([soft.verdict, soft.findings.map((f) => f.code)]).toEqual(["warning", ["PTR"]]);
  });

  it("reports include loops without hanging", async () => {
    const r = await lintSpfDomain("loop.example", { resolver });
    expect(r.findings.map((f) => f.code)).toContain("LOOP");
  });

  it("reports DNS failures as DNS_ERROR", async () => {
    const r = await lintSpfDomain("flaky.example", { resolver });
    expect(r.findings).toMatchObject([{ code: "DNS_ERROR", severity: "error" }]);
  });
});
