import { describe, expect, it } from "@jest/globals";
import { domainSpecProblem, isSpfRecord, parseSpfRecord } from "../../src/spf/parser.js";
import { selectSpfRecord } from "../../src/spf/select.js";

describe("record selection (RFC 7208 §4.5)", () => {
  it.each([
    ["v=spf1", true],
    ["v=spf1 -all", true],
    ["V=SPF1 -all", true],
    ["v=spf10 -all", false],
    ["v=spf1-all", false],
    ["spf2.0/pra -all", false],
    [" v=spf1 -all", false],
  ] as const)("%j is an SPF record: %s", (text, want) => expect(isSpfRecord(text)).toBe(want));

  it("ignores unrelated TXT records and flags several SPF records", () => {
    expect(selectSpfRecord(["google-site-verification=x", "v=spf1 -all"])).toEqual({
      kind: "one",
      record: "v=spf1 -all",
    });
    expect(selectSpfRecord(["v=spf1 -all", "v=spf1 +all"]).kind).toBe("multiple");
    expect(selectSpfRecord(["spf2.0/mfrom -all"]).kind).toBe("none");
  });
});

/** One row per RFC 7208 rule or past peer bug: record, then null (valid) or a fragment of the problem. */
const ROWS: [string, string | null][] = [
  ["v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx ptr exists:%{i}.x.example -all", null],
  ["v=spf1 a/24//64 mx:example.com//0 a:example.com/32", null],
  ["v=spf1  a   -all ", null], // several spaces and a trailing space (suite two-spaces, trailing-space)
  ["v=spf1 Include:example.com IP4:192.0.2.1 -ALL", null], // mechanism names are case-insensitive (checkdmarc#42)
  ["v=spf1 moo.cow-far_out=man:dog/cat -all", null], // unknown modifier: ignored
  ["v=spf1 default=deny", null],
  ["v=spf1 a:abc.c-om", null], // dash in the top label
  ["v=spf1 exists:%{l1r-}.%{d}", null],
  ["v=spf1 ip4:192.0.2.1/33", "/33 is over 32"],
  ["v=spf1 ip4:192.0.2.1/032", "leading zeros"],
  ["v=spf1 ip4:1.2.3.4:25", "not an IPv4 address"],
  ["v=spf1 ip4:1.2.3.4\x08", "control character"], // pyspf#15
  ["v=spf1 ip6:2001:db8::/129", "over 128"],
  ["v=spf1 ip6::1", "not an IPv6 address"],
  ["v=spf1 a:111.222.33.44", "top-level label"],
  ["v=spf1 a:museum", "single label"],
  ["v=spf1 a:", "empty domain-spec"],
  ["v=spf1 include:", "empty domain-spec"],
  ["v=spf1 a:foo.com/", "invalid top-level label"],
  ["v=spf1 foo:bar", 'unknown mechanism "foo"'],
  ["v=spf1 -all redirect=a.example redirect=b.example", "appears twice"],
  ["v=spf1 exp=a.example exp=b.example", "appears twice"],
  ["v=spf1 exp=", "empty domain-spec"],
  ["v=spf1 all:x", "takes no argument"],
  ["v=spf1 exists:%{x}.example.com", "invalid macro"],
  ["v=spf1 exists:%{c}.example.com", "invalid macro"], // c, r, t only in exp text
  ["v=spf1 exists:%{i0}.example.com", "zero parts"],
  ["v=spf1 a:%.example.com", "invalid macro"],
  ["v=spf1 -all caf\u00e9=1", "non-ASCII"],
  ["v=spf1 =foo", "not a mechanism"],
];

describe("parseSpfRecord", () => {
  it.each(ROWS)("%j", (text, problem) => {
    const r = parseSpfRecord(text);
    if (problem === null) {
      expect(r).toMatchObject({ ok: true });
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.problem).toContain(problem);
    }
  });

  it("keeps each term's text and position", () => {
    const r = parseSpfRecord("v=spf1 ~ip4:192.0.2.0/24  mx:example.com//64 redirect=_spf.example.com");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.record.terms.map((t) => [t.text, t.start, t.end])).toEqual([
      ["~ip4:192.0.2.0/24", 7, 24],
      ["mx:example.com//64", 26, 44],
      ["redirect=_spf.example.com", 45, 70],
    ]);
    expect(r.record.terms[1]).toMatchObject({
      mechanism: { kind: "mx", domainSpec: "example.com", cidr4: null, cidr6: 64 },
    });
    expect(r.record.redirect?.value).toBe("_spf.example.com");
  });

  it("gives the span of the offending term", () => {
    const r = parseSpfRecord("v=spf1 a bogus:x -all");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.term).toEqual({ start: 9, end: 16, text: "bogus:x" });
  });

  it("parses a 10 000-term record in linear time without throwing", () => {
    const text = `v=spf1 ${Array.from({ length: 10_000 }, (_, i) => `ip4:10.${(i >> 8) & 255}.${i & 255}.0/24`).join(" ")} -all`;
    const r = parseSpfRecord(text);
    expect(r.ok && r.record.terms.length).toBe(10_001);
  });
});

describe("domainSpecProblem", () => {
  it.each([
    ["example.com", null],
    ["example.com.", null],
    ["%{d}", null],
    ["%{ir}.%{v}._spf.%{d2}", null],
    ["_spf.example.com", null],
  ] as const)("%s is valid", (spec, want) => expect(domainSpecProblem(spec)).toBe(want));
  it.each(["", "com", "example.123", "example.-com", "%{z}.example.com"])("%j is invalid", (spec) =>
    expect(domainSpecProblem(spec)).not.toBeNull(),
  );
});
