import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { bindTxtRecord, keyRecordName, keyRecordValue } from "../../src/dkim/key-record.js";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { parseZoneFile, ZoneFileError } from "../../src/dns/zone-file.js";
import { REPO_ROOT } from "../helpers/shared.js";

/** Parses with origin example.com unless the text sets its own. */
const parse = (text: string, origin: string | null = "example.com") =>
  parseZoneFile(text, { origin: origin ?? undefined, file: "zone.db" });

describe("parseZoneFile: syntax", () => {
  it.each<[string, string, string | null, ZoneData]>([
    [
      "absolute owner",
      "mail.example.org. IN A 192.0.2.1",
      null,
      { "mail.example.org": { A: ["192.0.2.1"] } },
    ],
    [
      "relative owner gets the origin",
      "mail IN A 192.0.2.1",
      "example.com",
      { "mail.example.com": { A: ["192.0.2.1"] } },
    ],
    [
      "relative owner without origin is taken as written",
      "mail.example.net A 192.0.2.1",
      null,
      { "mail.example.net": { A: ["192.0.2.1"] } },
    ],
    ["@ is the origin", '@ IN TXT "v=spf1 -all"', "example.com", { "example.com": { TXT: ["v=spf1 -all"] } }],
    [
      "$ORIGIN switches the origin",
      "$ORIGIN example.org.\n@ TXT x\nwww A 192.0.2.2",
      null,
      { "example.org": { TXT: ["x"] }, "www.example.org": { A: ["192.0.2.2"] } },
    ],
    [
      "relative $ORIGIN is appended to the current one",
      "$ORIGIN sub\n@ A 192.0.2.3",
      "example.com",
      { "sub.example.com": { A: ["192.0.2.3"] } },
    ],
    [
      "blank owner repeats the previous owner",
      "www A 192.0.2.1\n  A 192.0.2.2\n\tAAAA 2001:db8::1",
      "example.com",
      { "www.example.com": { A: ["192.0.2.1", "192.0.2.2"], AAAA: ["2001:db8::1"] } },
    ],
    [
      "names are lower-cased",
      "WWW.Example.COM. A 192.0.2.1",
      null,
      { "www.example.com": { A: ["192.0.2.1"] } },
    ],
    [
      "comments and blank lines",
      "; header\n\nwww A 192.0.2.1 ; trailing\n   ; indented comment\n",
      "example.com",
      { "www.example.com": { A: ["192.0.2.1"] } },
    ],
    [
      "class and TTL in either order",
      "a 600 IN A 192.0.2.1\nb IN 700 A 192.0.2.2",
      "example.com",
      { "a.example.com": { A: ["192.0.2.1"], ttl: 600 }, "b.example.com": { A: ["192.0.2.2"], ttl: 700 } },
    ],
    [
      "$TTL applies, with units",
      "$TTL 1h30m\nwww A 192.0.2.1",
      "example.com",
      { "www.example.com": { A: ["192.0.2.1"], ttl: 5400 } },
    ],
    [
      "node TTL is the smallest of its records",
      "www 600 A 192.0.2.1\nwww 60 TXT x",
      "example.com",
      { "www.example.com": { A: ["192.0.2.1"], TXT: ["x"], ttl: 60 } },
    ],
    [
      "MX with relative and absolute exchanges",
      "@ MX 10 mx1\n@ MX 20 mx2.example.net.",
      "example.com",
      {
        "example.com": {
          MX: [
            { preference: 10, exchange: "mx1.example.com" },
            { preference: 20, exchange: "mx2.example.net" },
          ],
        },
      },
    ],
    [
      "null MX (RFC 7505)",
      "@ MX 0 .",
      "example.com",
      { "example.com": { MX: [{ preference: 0, exchange: "" }] } },
    ],
    [
      "PTR at a reverse name",
      "$ORIGIN 2.0.192.in-addr.arpa.\n1 PTR mail.example.com.",
      null,
      { "1.2.0.192.in-addr.arpa": { PTR: ["mail.example.com"] } },
    ],
    ["CNAME", "www CNAME @", "example.com", { "www.example.com": { CNAME: "example.com" } }],
    [
      "AAAA is stored in canonical form",
      "v6 AAAA 2001:DB8:0:0::1",
      "example.com",
      { "v6.example.com": { AAAA: ["2001:db8::1"] } },
    ],
    [
      "multi-string TXT keeps its strings",
      '@ TXT "v=spf1 " "-all"',
      "example.com",
      { "example.com": { TXT: [["v=spf1 ", "-all"]] } },
    ],
    ["unquoted TXT string", "@ TXT v=spf1", "example.com", { "example.com": { TXT: ["v=spf1"] } }],
    [
      'TXT escapes \\" \\\\ \\DDD',
      '@ TXT "a\\"b\\\\c\\059d\\065"',
      "example.com",
      { "example.com": { TXT: ['a"b\\c;dA'] } },
    ],
    [
      "semicolon inside quotes is not a comment",
      '@ TXT "v=DKIM1; k=rsa" ; real comment',
      "example.com",
      { "example.com": { TXT: ["v=DKIM1; k=rsa"] } },
    ],
    [
      "parentheses span lines",
      '@ IN TXT ( "part one "\n   "part two" ) ; done\nwww A 192.0.2.9',
      "example.com",
      { "example.com": { TXT: [["part one ", "part two"]] }, "www.example.com": { A: ["192.0.2.9"] } },
    ],
    [
      "SOA and NS are skipped but their owner exists",
      "@ IN SOA ns1 host ( 1 2 3\n 4 5 )\n@ NS ns1",
      "example.com",
      { "example.com": {} },
    ],
    [
      "CRLF line ends",
      "www A 192.0.2.1\r\nmail A 192.0.2.2\r\n",
      "example.com",
      { "www.example.com": { A: ["192.0.2.1"] }, "mail.example.com": { A: ["192.0.2.2"] } },
    ],
  ])("%s", (_name, text, origin, expected) => {
    expect(parse(text, origin)).toEqual(expected);
  });

  it("reads back the TXT record keygen writes for a 2048-bit key (parentheses, 255-byte strings)", () => {
    const pem = readFileSync(join(REPO_ROOT, "test/fixtures/keygen/existing.pem"), "utf8");
    const der = createPublicKey(pem).export({ type: "spki", format: "der" }).toString("base64");
    const value = keyRecordValue({ type: "rsa", publicKey: der });
    const text = bindTxtRecord(keyRecordName("mail", "example.com"), value, 3600);
    const data = parse(text, null);
    const node = data["mail._domainkey.example.com"];
    expect(node).toMatchObject({ ttl: 3600 });
    const strings = (node as { TXT: string[][] }).TXT[0]!;
    expect(strings.length).toBeGreaterThan(1);
    expect(strings.join("")).toBe(value);
  });

  it("gives the same answers through staticResolver as the ZoneData it describes", async () => {
    const r = staticResolver(parse('@ TXT "v=spf1 " "ip4:192.0.2.0/24 -all"\n@ MX 10 mx\nmx A 192.0.2.25'));
    expect(await r.txt("example.com")).toEqual({ kind: "ok", records: ["v=spf1 ip4:192.0.2.0/24 -all"] });
    expect(await r.mx("EXAMPLE.com.")).toEqual({
      kind: "ok",
      records: [{ preference: 10, exchange: "mx.example.com" }],
    });
    expect(await r.a("mx.example.com")).toEqual({ kind: "ok", records: ["192.0.2.25"] });
  });
});

describe("parseZoneFile: errors name file and line", () => {
  it.each<[string, string, string]>([
    ["bad IPv4", "www A 192.0.2.1\n\nmail A 1.2.3", 'zone.db:3: bad IPv4 address "1.2.3"'],
    ["IPv4 octet over 255", "www A 192.0.2.256", 'zone.db:1: bad IPv4 address "192.0.2.256"'],
    ["bad IPv6", "www AAAA 2001:db8::g", 'zone.db:1: bad IPv6 address "2001:db8::g"'],
    ["missing rdata", "www A", "zone.db:1: A record needs an IPv4 address"],
    ["extra rdata", "www A 192.0.2.1 192.0.2.2", 'zone.db:1: unexpected "192.0.2.2" after A record'],
    ["bad MX preference", "@ MX ten mx", 'zone.db:1: bad MX preference "ten"'],
    [
      "unknown type",
      "www\tIN\tWKS 1",
      'zone.db:1: unsupported record type "WKS" (served: A, AAAA, MX, PTR, TXT, CNAME)',
    ],
    ["unsupported class", "www CH A 192.0.2.1", "zone.db:1: class CH is not supported (only IN)"],
    ["no type", "www 300 IN", "zone.db:1: a record without a type"],
    [
      "bad owner label",
      "-bad A 192.0.2.1",
      'zone.db:1: bad owner name "-bad": has an invalid label "-bad" (letters, digits, hyphens and underscores only; no leading or trailing hyphen)',
    ],
    [
      "wildcard",
      "*.example.com. A 192.0.2.1",
      'zone.db:1: owner name "*.example.com.": wildcard names are not supported',
    ],
    ["blank owner first", "  A 192.0.2.1", "zone.db:1: a record with a blank owner but no previous owner"],
    [
      "CNAME and other data",
      "www A 192.0.2.1\nwww CNAME example.net.",
      'zone.db:2: "www.example.com" has a CNAME and other records (RFC 1034 §3.6.2)',
    ],
    ["unclosed parenthesis names its line", 'ok A 192.0.2.1\n@ TXT ( "a"\n "b"\n', 'zone.db:2: unclosed "("'],
    ["unbalanced )", "www A 192.0.2.1 )", 'zone.db:1: unbalanced ")"'],
    [
      "unterminated string",
      '@ TXT "abc\nwww A 192.0.2.1',
      "zone.db:1: unterminated quoted string (a newline inside quotes)",
    ],
    ["escape over 255", '@ TXT "\\300"', 'zone.db:1: bad escape "\\300" (over 255)'],
    ["bad $TTL", "$TTL forever", 'zone.db:1: bad TTL "forever"'],
    ["$INCLUDE", "$INCLUDE other.db", "zone.db:1: $INCLUDE is not supported"],
    ["unknown directive", "$GENERATE 1-4 x A 192.0.2.$", 'zone.db:1: unknown directive "$GENERATE"'],
    [
      "error inside a parenthesised record names the token's line",
      "@ MX ( 10\n\n bad..name )",
      'zone.db:3: bad MX exchange "bad..name": has an empty label',
    ],
  ])("%s", (_name, text, message) => {
    let caught: unknown;
    try {
      parse(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ZoneFileError);
    expect((caught as Error).message).toBe(message);
  });

  it("refuses @ when there is no origin", () => {
    expect(() => parse("www.example.com. A 192.0.2.1\n@ A 192.0.2.1", null)).toThrow(
      'zone.db:2: "@" used but there is no origin ($ORIGIN)',
    );
  });

  it.each(["a\x0b", "a\x0c b", "www\u00a0A 192.0.2.1", "\x0b"])(
    "odd white space %j is an error, not a hang",
    (text) => {
      expect(() => parseZoneFile(text, { origin: "example.com.", file: "odd.zone" })).toThrow(
        /^odd\.zone:1: /,
      );
    },
  );

  it("uses 'zone' when no file name is given", () => {
    expect(() => parseZoneFile("www A 1.2.3")).toThrow('zone:1: bad IPv4 address "1.2.3"');
  });
});
