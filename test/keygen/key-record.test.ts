import { describe, expect, it } from "@jest/globals";
import {
  bindTxtRecord,
  keyRecordName,
  keyRecordValue,
  quoteTxtString,
  splitTxtStrings,
} from "../../src/dkim/key-record.js";

describe("splitTxtStrings", () => {
  it.each([0, 1, 254, 255, 256, 509, 510, 511, 765, 766])(
    "splits a %i-byte value into <=255-byte strings",
    (n) => {
      const value = "x".repeat(n);
      const parts = splitTxtStrings(value);
      expect(parts.join("")).toBe(value);
      expect(parts.every((p) => Buffer.byteLength(p) <= 255)).toBe(true);
      expect(parts).toHaveLength(Math.max(1, Math.ceil(n / 255)));
      if (n >= 255) expect(parts[0]).toHaveLength(255);
    },
  );
  it("never splits inside a multi-byte character", () => {
    const value = `${"a".repeat(254)}é${"b".repeat(10)}`;
    const parts = splitTxtStrings(value);
    expect(parts[0]).toBe("a".repeat(254));
    expect(parts.join("")).toBe(value);
  });
});

describe("keyRecordValue", () => {
  it.each([
    [{ type: "rsa", publicKey: "AAA" }, "v=DKIM1; k=rsa; p=AAA"],
    [{ type: "rsa", publicKey: "AAA", testing: true }, "v=DKIM1; k=rsa; t=y; p=AAA"],
    [{ type: "ed25519", publicKey: "BBB" }, "v=DKIM1; k=ed25519; p=BBB"],
    [{ type: "rsa", publicKey: "AAA", form: "domainkeys" }, "k=rsa; p=AAA"],
    [{ type: "rsa", publicKey: "AAA", form: "domainkeys", testing: true }, "k=rsa; t=y; p=AAA"],
  ] as const)("%j -> %s", (opts, expected) => {
    expect(keyRecordValue(opts)).toBe(expected);
  });
  it("refuses a DomainKeys record for Ed25519", () => {
    expect(() => keyRecordValue({ type: "ed25519", publicKey: "x", form: "domainkeys" })).toThrow(/only RSA/);
  });
});

describe("zone-file rendering", () => {
  it("names the record selector._domainkey.domain.", () => {
    expect(keyRecordName("mail", "example.com.")).toBe("mail._domainkey.example.com.");
  });
  it("quotes backslashes and double quotes", () => {
    expect(quoteTxtString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
  it("keeps a short value on one line", () => {
    expect(bindTxtRecord("s._domainkey.example.com.", "v=DKIM1; k=ed25519; p=AAA")).toBe(
      's._domainkey.example.com.\tIN\tTXT\t"v=DKIM1; k=ed25519; p=AAA"',
    );
  });
  it("puts a long value in parentheses, one 255-byte string per line", () => {
    const value = "y".repeat(600);
    const text = bindTxtRecord("n.", value, 3600);
    expect(text.startsWith("n.\t3600\tIN\tTXT\t( ")).toBe(true);
    expect(text.endsWith(" )")).toBe(true);
    const strings = [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    expect(strings.map((s) => s.length)).toEqual([255, 255, 90]);
    expect(text.split("\n")).toHaveLength(3);
  });
});
