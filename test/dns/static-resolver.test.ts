import { describe, expect, it } from "@jest/globals";
import { ipv6Groups, reverseName } from "../../src/dns/names.js";
import { staticResolver, zone } from "../../src/dns/static-resolver.js";

const resolver = zone({
  "example.com": {
    TXT: ["v=spf1 ip4:192.0.2.0/24 -all", ["v=DKIM1; ", "p=abc"]],
    A: ["192.0.2.1"],
    MX: [{ preference: 10, exchange: "mx.example.com" }],
    ttl: 600,
  },
  "Mixed.Case.example.": { A: ["192.0.2.2"] },
  "www.example.com": { CNAME: "example.com" },
  "chain.example.com": { CNAME: "www.example.com." },
  "dangling.example.com": { CNAME: "nowhere.example.com" },
  "loop1.example.com": { CNAME: "loop2.example.com" },
  "loop2.example.com": { CNAME: "LOOP1.example.com." },
  "self.example.com": { CNAME: "self.example.com" },
  "empty.example.com": {},
  "1.2.0.192.in-addr.arpa": { PTR: ["mail.example.com"] },
  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa": { PTR: ["v6.example.com"] },
  "servfail.example.com": "SERVFAIL",
  "timeout.example.com": "TIMEOUT",
  "refused.example.com": "REFUSED",
  "to-servfail.example.com": { CNAME: "servfail.example.com" },
});

describe("staticResolver", () => {
  it("returns records, joining the strings of one TXT record, with the node's TTL", async () => {
    expect(await resolver.txt("example.com")).toEqual({
      kind: "ok",
      records: ["v=spf1 ip4:192.0.2.0/24 -all", "v=DKIM1; p=abc"],
      ttl: 600,
    });
    expect(await resolver.mx("example.com")).toEqual({
      kind: "ok",
      records: [{ preference: 10, exchange: "mx.example.com" }],
      ttl: 600,
    });
  });

  it.each(["mixed.case.example", "MIXED.case.EXAMPLE.", "Mixed.Case.example"])(
    "matches %s case-insensitively, trailing dot ignored",
    async (name) => {
      expect(await resolver.a(name)).toEqual({ kind: "ok", records: ["192.0.2.2"] });
    },
  );

  it("tells NXDOMAIN (name absent) from NODATA (name present, no records of the type)", async () => {
    expect(await resolver.txt("absent.example.com")).toEqual({ kind: "nxdomain" });
    expect(await resolver.aaaa("example.com")).toEqual({ kind: "nodata" });
    expect(await resolver.txt("empty.example.com")).toEqual({ kind: "nodata" });
    expect(await resolver.txt("Mixed.Case.example")).toEqual({ kind: "nodata" });
  });

  it.each([
    ["www.example.com", "one CNAME"],
    ["chain.example.com", "a chain of two"],
  ])("follows %s (%s)", async (name) => {
    expect(await resolver.a(name)).toEqual({ kind: "ok", records: ["192.0.2.1"], ttl: 600 });
  });

  it("returns the target's NXDOMAIN for a dangling CNAME", async () => {
    expect(await resolver.txt("dangling.example.com")).toEqual({ kind: "nxdomain" });
  });

  it.each(["loop1.example.com", "loop2.example.com", "self.example.com"])(
    "answers NODATA for the CNAME loop at %s, as the wire path does",
    async (name) => {
      expect(await resolver.a(name)).toEqual({ kind: "nodata" });
      expect(await resolver.txt(name)).toEqual({ kind: "nodata" });
    },
  );

  it("treats an overlong CNAME chain like a loop", async () => {
    const data: Record<string, { CNAME?: string; A?: string[] }> = {};
    for (let i = 0; i < 12; i++) data[`c${i}.example`] = { CNAME: `c${i + 1}.example` };
    data["c12.example"] = { A: ["192.0.2.9"] };
    const r = zone(data);
    expect(await r.a("c0.example")).toEqual({ kind: "nodata" });
    expect(await r.a("c4.example")).toEqual({ kind: "ok", records: ["192.0.2.9"] });
  });

  it("fails only the types listed in a node's errors", async () => {
    const r = zone({
      "spftimeout.example": { TXT: ["v=spf1 -all"], errors: { A: "TIMEOUT", MX: "SERVFAIL" } },
    });
    expect(await r.txt("spftimeout.example")).toEqual({ kind: "ok", records: ["v=spf1 -all"] });
    expect(await r.a("spftimeout.example")).toEqual({
      kind: "error",
      temporary: true,
      detail: "TIMEOUT for A spftimeout.example",
    });
    expect(await r.mx("spftimeout.example")).toMatchObject({ kind: "error", temporary: true });
    expect(await r.aaaa("spftimeout.example")).toEqual({ kind: "nodata" });
  });

  it.each([
    ["servfail.example.com", "SERVFAIL"],
    ["timeout.example.com", "TIMEOUT"],
    ["refused.example.com", "REFUSED"],
    ["to-servfail.example.com", "SERVFAIL"],
  ])("gives a temporary error for %s, for every type", async (name, what) => {
    for (const answer of [await resolver.txt(name), await resolver.a(name), await resolver.mx(name)]) {
      expect(answer).toMatchObject({ kind: "error", temporary: true });
      expect(answer.kind === "error" && answer.detail).toContain(what);
    }
  });

  it("answers PTR for IPv4 and IPv6 addresses at their reverse names", async () => {
    expect(await resolver.ptr("192.0.2.1")).toEqual({ kind: "ok", records: ["mail.example.com"] });
    expect(await resolver.ptr("2001:DB8::1")).toEqual({ kind: "ok", records: ["v6.example.com"] });
    expect(await resolver.ptr("192.0.2.99")).toEqual({ kind: "nxdomain" });
    expect(await resolver.ptr("not-an-ip")).toMatchObject({ kind: "error", temporary: false });
  });

  it("traces each query and its outcome", async () => {
    const lines: string[] = [];
    const r = staticResolver(
      { "a.example": { A: ["192.0.2.1"] }, "b.example": "TIMEOUT" },
      { trace: (l) => lines.push(l) },
    );
    await r.a("a.example");
    await r.txt("b.example");
    await r.txt("c.example");
    expect(lines).toEqual([
      'dns: A a.example -> ok ["192.0.2.1"]',
      "dns: TXT b.example -> temporary error: TIMEOUT for TXT b.example",
      "dns: TXT c.example -> nxdomain",
    ]);
  });

  it("does not let callers change the zone through a returned answer", async () => {
    const first = await resolver.mx("example.com");
    if (first.kind === "ok") first.records[0]!.preference = 99;
    expect(await resolver.mx("example.com")).toMatchObject({ records: [{ preference: 10 }] });
  });
});

describe("reverseName", () => {
  it.each([
    ["192.0.2.1", "1.2.0.192.in-addr.arpa"],
    ["0.0.0.0", "0.0.0.0.in-addr.arpa"],
    ["2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"],
    ["::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"],
    ["::ffff:192.0.2.1", "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"],
    ["2001:DB8:0:0:0:0:0:1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"],
  ])("%s -> %s", (ip, expected) => {
    expect(reverseName(ip)).toBe(expected);
  });

  it.each([
    "1.2.3",
    "1.2.3.256",
    "01.2.3.4",
    "2001:db8::1::2",
    "1:2:3:4:5:6:7:8:9",
    "2001:db8::12345",
    "",
    "example.com",
    "fe80::1%eth0",
  ])("refuses %j", (ip) => {
    expect(reverseName(ip)).toBeNull();
  });

  it("expands :: to the missing zero groups", () => {
    expect(ipv6Groups("1::8")).toEqual([1, 0, 0, 0, 0, 0, 0, 8]);
    expect(ipv6Groups("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ipv6Groups("1:2:3:4:5:6:7::")).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
  });
});
