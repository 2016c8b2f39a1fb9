import { describe, expect, it } from "@jest/globals";
import { parseClientIp } from "../../src/spf/ip-address.js";
import { expandTokens, fitDomainName, parseMacroString, type MacroValues } from "../../src/spf/macro.js";

function values(ip: string): MacroValues {
  return {
    sender: "strong-bad@email.example.com",
    localPart: "strong-bad",
    senderDomain: "email.example.com",
    domain: "email.example.com",
    ip: parseClientIp(ip)!,
    helo: "mx.example.org",
    receiver: "rx.example.net",
    timestamp: 1_700_000_000,
    validatedName: async () => "mx.example.org",
  };
}

async function expand(text: string, ip = "192.0.2.3", context: "domain" | "exp" = "exp"): Promise<string> {
  const p = parseMacroString(text, context);
  if ("problem" in p) throw new Error(p.problem);
  return expandTokens(p.tokens, values(ip));
}

/** The examples of RFC 7208 §7.4, with the sender and IP it uses. */
describe("macro expansion: RFC 7208 §7.4 examples", () => {
  it.each([
    ["%{s}", "strong-bad@email.example.com"],
    ["%{o}", "email.example.com"],
    ["%{d}", "email.example.com"],
    ["%{d4}", "email.example.com"],
    ["%{d3}", "email.example.com"],
    ["%{d2}", "example.com"],
    ["%{d1}", "com"],
    ["%{dr}", "com.example.email"],
    ["%{d2r}", "example.email"],
    ["%{l}", "strong-bad"],
    ["%{l-}", "strong.bad"],
    ["%{lr}", "strong-bad"],
    ["%{lr-}", "bad.strong"],
    ["%{l1r-}", "strong"],
    ["%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"],
    ["%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"],
    ["%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"],
    ["%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"],
    ["%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"],
    ["%%%_%-", "% %20"],
    ["%{h} %{c} %{r} %{t} %{p}", "mx.example.org 192.0.2.3 rx.example.net 1700000000 mx.example.org"],
  ])("%s -> %s", async (text, want) => expect(await expand(text)).toBe(want));

  it("expands %{i} of IPv6 as dotted nibbles (rspamd#3625) and %{c} compressed", async () => {
    expect(await expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01")).toBe(
      "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
    );
    expect(await expand("%{c}", "2001:db8:0:0:0:0:0:cb01")).toBe("2001:db8::cb01");
  });

  it("treats an IPv4-mapped IPv6 client as IPv4", async () => {
    expect(await expand("%{i} %{v}", "::ffff:192.0.2.3")).toBe("192.0.2.3 in-addr");
  });

  it("URL-escapes the value of an upper-case macro letter", async () => {
    expect(await expand("%{S}")).toBe("strong-bad%40email.example.com");
  });

  it.each(["%", "%x", "%{", "%{q}", "%{d0}", "%{i}\x01"])("rejects %j", (text) =>
    expect("problem" in parseMacroString(text, "exp")).toBe(true),
  );

  it("allows c, r, t only in explanation text", () => {
    for (const l of ["c", "r", "t"]) {
      expect("problem" in parseMacroString(`%{${l}}.example.com`, "domain")).toBe(true);
      expect("problem" in parseMacroString(`%{${l}}`, "exp")).toBe(false);
    }
  });

  it("drops left-hand labels of names over 253 characters and one trailing dot", () => {
    const long = `${"a".repeat(60)}.`.repeat(5) + "example.com.";
    const fitted = fitDomainName(long);
    expect(fitted.length).toBeLessThanOrEqual(253);
    expect(fitted.endsWith("a.example.com")).toBe(true);
    expect(fitDomainName("example.com.")).toBe("example.com");
  });
});
