import { describe, expect, it } from "@jest/globals";
import { parseSpfRecord } from "../../src/spf/parser.js";
import { buildSpfRecord, emptySpfPlan, type SpfPlan } from "../../src/spf/record-builder.js";
import {
  existsProblem,
  hostBitsSet,
  hostProblem,
  networkProblem,
  parseNetwork,
} from "../../src/spf/record-builder-terms.js";

const plan = (p: Partial<SpfPlan>): SpfPlan => ({ ...emptySpfPlan("example.com"), ...p });

describe("buildSpfRecord: plans to records and lookup counts", () => {
  it.each<[string, Partial<SpfPlan>, string, number]>([
    [
      "the issue's example",
      { a: true, mx: true, ip4: ["192.0.2.0/24"], include: ["_spf.example.net"], all: "softfail" },
      "v=spf1 a mx ip4:192.0.2.0/24 include:_spf.example.net ~all",
      3,
    ],
    ["no senders, fail", { all: "fail" }, "v=spf1 -all", 0],
    ["neutral", { mx: true, all: "neutral" }, "v=spf1 mx ?all", 1],
    [
      "original howto's a:host",
      { a: true, aHosts: ["bigamd.example.com"], mx: true },
      "v=spf1 a a:bigamd.example.com mx ~all",
      3,
    ],
    [
      "term order a, a:, mx, mx:, ip4, ip6, include, exists, ptr, all",
      {
        ptr: true,
        exists: ["%{i}._spf.example.com"],
        include: ["spf.example.org"],
        ip6: ["2001:db8::/32"],
        ip4: ["198.51.100.7"],
        mxDomains: ["backup.example.net"],
        mx: true,
        aHosts: ["out.example.com"],
        a: true,
        all: "fail",
      },
      "v=spf1 a a:out.example.com mx mx:backup.example.net ip4:198.51.100.7 ip6:2001:db8::/32 include:spf.example.org exists:%{i}._spf.example.com ptr -all",
      7,
    ],
    [
      "ip only: no lookups",
      { ip4: ["192.0.2.1", "192.0.2.2"], ip6: ["2001:db8::1"] },
      "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip6:2001:db8::1 ~all",
      0,
    ],
    [
      "trailing dots and case are normalised",
      { include: ["_SPF.Example.NET."] },
      "v=spf1 include:_spf.example.net ~all",
      1,
    ],
    [
      "duplicates kept once",
      { include: ["a.example.net", "a.example.net"] },
      "v=spf1 include:a.example.net ~all",
      1,
    ],
  ])("%s", (_name, p, record, lookups) => {
    const b = buildSpfRecord(plan(p));
    expect(b.record).toBe(record);
    expect(b.lookups).toBe(lookups);
    expect(b.problems).toEqual([]);
    // The SPF core's own parser accepts every record the builder emits.
    expect(parseSpfRecord(b.record).ok).toBe(true);
  });
});

describe("buildSpfRecord: problems (the wizard re-asks; flags exit 2)", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `s${i}.example.net`);
  it.each<[string, Partial<SpfPlan>, RegExp]>([
    ["11 lookups", { include: many(11) }, /11 DNS lookups.*above 10.*§4\.6\.4/],
    ["a + mx + 9 includes = 11", { a: true, mx: true, include: many(9) }, /11 DNS lookups/],
    [
      "over 512 bytes",
      {
        ip6: Array.from({ length: 20 }, (_, i) => `2001:db8:${i}::/48`),
        ip4: Array.from({ length: 10 }, (_, i) => `198.51.100.${i}`),
      },
      /bytes; keep it under 512.*§3\.4/,
    ],
    ["bad ip4", { ip4: ["192.0.2.256"] }, /ip4: "192\.0\.2\.256" is not an IPv4 address/],
    ["ip4 prefix too long", { ip4: ["192.0.2.0/33"] }, /"\/33" is not a prefix length from 0 to 32/],
    ["ip4 prefix leading zero", { ip4: ["192.0.2.0/024"] }, /"\/024" is not a prefix length/],
    ["v6 under ip4", { ip4: ["2001:db8::1"] }, /is an IPv6 address; list it under ip6/],
    ["bad ip6 prefix", { ip6: ["2001:db8::/129"] }, /"\/129" is not a prefix length from 0 to 128/],
    ["bad host", { aHosts: ["bad..example.com"] }, /a: "bad\.\.example\.com" has an empty label/],
    ["numeric top label", { include: ["spf.example.123"] }, /all-numeric top-level label/],
    ["IP given as host", { aHosts: ["192.0.2.1"] }, /is an IP address, not a host name; use ip4:/],
    ["include of itself", { include: ["example.com"] }, /including it loops/],
    ["macro outside exists", { include: ["%{d}.example.net"] }, /macros only in exists:/],
    ["exp-only macro in exists", { exists: ["%{c}.example.com"] }, /only exp= may use/],
    [
      "ip4 /0 is +all",
      { ip4: ["0.0.0.0/0"] },
      /^ip4:0\.0\.0\.0\/0 authorises every IPv4 address, like \+all/,
    ],
    [
      "IPv4-mapped ip6",
      { ip6: ["::ffff:192.0.2.1"] },
      /^ip6:::ffff:192\.0\.2\.1 is an IPv4-mapped address: .*RFC 7208 §5\); list 192\.0\.2\.1 under ip4$/,
    ],
    ["IPv4-mapped ip6 range", { ip6: ["::ffff:192.0.2.0/120"] }, /list 192\.0\.2\.0\/24 under ip4$/],
    ["ip6 /0 is +all", { ip6: ["::/0"] }, /^ip6:::\/0 authorises every IPv6 address/],
  ])("%s", (_name, p, reason) => {
    const b = buildSpfRecord(plan(p));
    expect(b.problems.join("\n")).toMatch(reason);
  });

  it("ten lookups are allowed, with a warning", () => {
    const b = buildSpfRecord(plan({ include: many(10) }));
    expect(b.problems).toEqual([]);
    expect(b.lookups).toBe(10);
    expect(b.warnings.join("\n")).toMatch(/10 of 10 DNS lookups/);
  });
});

describe("buildSpfRecord: warnings", () => {
  it.each<[string, Partial<SpfPlan>, RegExp]>([
    ["ptr (spf-lint)", { ptr: true }, /ptr is slow and unreliable; RFC 7208 §5\.5/],
    ["host bits set", { ip4: ["192.0.2.1/24"] }, /bits set after \/24/],
    ["private range", { ip4: ["10.1.2.3"] }, /private or loopback/],
    ["huge range", { ip4: ["0.0.0.0/4"] }, /very large range \(\/4\)/],
    ["huge ip6 range", { ip6: ["2001::/12"] }, /very large range \(\/12\)/],
    ["no sender and ~all", {}, /lists no sender.*v=spf1 -all/],
    ["?all (spf-lint)", { mx: true, all: "neutral" }, /\?all gives no protection/],
    [
      "over 450 bytes (spf-lint)",
      { ip6: Array.from({ length: 21 }, (_, i) => `2001:db8:${i}::/48`), ip4: ["198.51.100.0/24"] },
      /bytes; RFC 7208 §3\.4 advises at most 450/,
    ],
    ["macro in exists: (spf-lint)", { exists: ["%{i}._spf.example.com"] }, /macro in the domain/],
    ["includes spend lookups", { include: ["_spf.example.net"] }, /inside the included record/],
    [
      "8 lookups",
      {
        a: true,
        mx: true,
        aHosts: ["a1.example.com", "a2.example.com", "a3.example.com"],
        include: ["x.example.net", "y.example.net", "z.example.net"],
      },
      /8 of 10/,
    ],
  ])("%s", (_name, p, warning) => {
    const b = buildSpfRecord(plan(p));
    expect(b.problems).toEqual([]);
    expect(b.warnings.join("\n")).toMatch(warning);
  });

  it("a plain record has no warnings", () => {
    expect(buildSpfRecord(plan({ mx: true, ip4: ["192.0.2.0/24"], all: "fail" })).warnings).toEqual([]);
  });
});

describe("term checks", () => {
  it.each([
    ["192.0.2.0/24", 4, null],
    ["192.0.2.1", 4, null],
    ["0.0.0.0/0", 4, null],
    ["01.2.3.4", 4, "not an IPv4"],
    ["192.0.2.0/", 4, "not a prefix"],
    ["192.0.2.0/-1", 4, "not a prefix"],
    ["2001:db8::/32", 6, null],
    ["::ffff:192.0.2.1", 6, null],
    ["2001:db8:::1", 6, "not an IPv6"],
    ["192.0.2.1", 6, "is an IPv4 address; list it under ip4"],
  ] as const)("%s as ip%d", (text, v, expected) => {
    const p = networkProblem(text, v);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toContain(expected);
  });

  it("hostBitsSet looks only after the prefix", () => {
    const n = parseNetwork("192.0.2.128/25", 4);
    if (typeof n === "string") throw new Error(n);
    expect(hostBitsSet(n.address, 25)).toBe(false);
    expect(hostBitsSet(n.address, 24)).toBe(true);
  });

  it.each([
    ["mail.example.com", null],
    ["_spf.example.net", null],
    ["localhost", "two labels"],
    ["-bad.example.com", "invalid label"],
  ])("host %s", (name, expected) => {
    const p = hostProblem(name);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toContain(expected);
  });

  it.each([
    ["%{i}._spf.example.com", null],
    ["%{ir}.%{v}._spf.%{d2}", null],
    ["%{l1r-}.example.com", null],
    ["%{x}.example.com", "malformed macro"],
    ["%{t}.example.com", "only exp= may use"],
    ["plain.example.com", null],
  ])("exists %s", (spec, expected) => {
    const p = existsProblem(spec);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toContain(expected);
  });
});
