/**
 * parseDkimSignatureFast (src/dkim/signature-fast.ts, the verifier's quick parser) against
 * parseDkimSignature (src/dkim/signature.ts, the definition): on random DKIM-Signature fields, the
 * quick parser either declines (null) or returns exactly what the general parser returns, with and
 * without --legacy; and it accepts the usual signatures, so the verifier's quick path is taken.
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { parseDkimSignatureFast } from "../../src/dkim/signature-fast.js";
import { parseDkimSignature } from "../../src/dkim/signature.js";
import type { HeaderField } from "../../src/message/header-fields.js";

const B64 = "M/DeSfHXlWEONVJ/CfdmtbXdFhhiKNnqKka5OCBJC0nT8qhVzVlU5yUf9KLhZxkS/XzeS9yFV3+CYB6roZW6RIBbHrQ==";
const fws = fc.constantFrom("", "", "", " ", "\t", "\r\n ", " \r\n\t", "  ");
/** Values per tag: mostly valid, some odd (FWS inside, case, empty, junk). */
const VALUES: Record<string, string[]> = {
  v: ["1", "1", "1", "0.5", "2", " 1", ""],
  a: [
    "rsa-sha256",
    "rsa-sha256",
    "ed25519-sha256",
    "rsa-sha1",
    "RSA-SHA256",
    "rsa-\r\n sha256",
    "constructor",
    "x",
  ],
  b: [
    B64,
    `${B64.slice(0, 40)}\r\n ${B64.slice(40)}`,
    "",
    "abc=",
    "a b c",
    "ab==",
    "ab===",
    "=",
    "ab$",
    "a=b=",
    "==",
    "ab==",
    // For the table-driven base64 loop: FWS between the pads, around them, and odd octets.
    "ab= =",
    "ab=\r\n =",
    "a\tb\r\n c=",
    "ab=\r\n c",
    "ab\u00e9",
    "ab\u007f",
    "-_",
  ],
  bh: [
    "7yeBUMXmBjT6bnyeO+NkHzR8chmFfDiUTqZgPKBASuE=",
    "abcd",
    "ab cd",
    "",
    "ab=c",
    "ab==",
    "=ab",
    "ab=\t=",
    "ab\u00ff",
  ],
  c: [
    "relaxed/relaxed",
    "simple",
    "relaxed",
    "simple/relaxed",
    "relaxed/simple",
    "relaxed /relaxed",
    "x/y",
    "a/b/c",
    "toString",
  ],
  d: ["example.com", "Example.COM", "mail.example.com", "", "exa mple.com", "example.com."],
  h: [
    "from:to:subject",
    "From:To",
    "from:from:subject:subject",
    "to:subject",
    "from\r\n :to: :",
    " from ",
    "::from",
    "FROM:date",
    "from:To:SUBJECT",
    "fr\r\n om:to",
    "from:\tX-Y :z",
    "from:S\u00dcbject:\u00c0",
  ],
  i: ["@example.com", "user@mail.example.com", "u=40x@example.com", "@other.org", "nobody", "a@EXAMPLE.com"],
  l: ["0", "123", "12a", "", "99999999999999999999", " 5"],
  q: ["dns/txt", "dns", "dns/txt:other", "http", "DNS/TXT"],
  s: ["rsa", "sel-1", "", "se l", "a.b"],
  t: ["1795600000", "100", "x", ""],
  x: ["1795700000", "50", "1795600000", "y"],
  z: ["From:a|To:b", ""],
  Foo: ["bar"],
  "9x": ["1"],
  unknown_tag: ["1"],
  // Near misses of known names, for the char-code tag scan: case, a second letter, non-ASCII.
  V: ["1"],
  bx: ["abc="],
  hb: ["x"],
  "b h": ["abc="],
  "\u00e1": ["1"],
  "\u0162": ["1"],
};
const tagSpec = fc
  .tuple(fc.constantFrom(...Object.keys(VALUES)), fc.nat(), fws, fws, fws)
  .map(([name, k, f1, f2, f3]) => {
    const vals = VALUES[name]!;
    return `${f1}${name}${f2}=${f3}${vals[k % vals.length]}${f1}`;
  });
const REQUIRED = ["v", "a", "b", "bh", "d", "h", "s"];
const ALL_TAGS = [...REQUIRED, "c", "t", "x", "i", "l", "q"];
/** Mostly the usual required tags, in random order, plus random extra, duplicate and empty specs. */
const fieldText = fc
  .tuple(
    fc.shuffledSubarray(ALL_TAGS, { minLength: ALL_TAGS.length }),
    fc.array(fc.nat(), { minLength: 13, maxLength: 13 }),
    fc.array(fc.oneof(tagSpec, fc.constantFrom("", " ", "\r\n ", "junk", "=x", "a==b")), { maxLength: 2 }),
    fc.boolean(),
    fws,
  )
  .map(([names, picks, extra, trailing, lead]) => {
    // Required tags are dropped now and then, optional ones often.
    const kept = names.filter((n, i) => picks[i]! % (REQUIRED.includes(n) ? 17 : 2) !== 1);
    const specs = kept.map((n, i) => {
      const vals = VALUES[n]!;
      // Two thirds of the time the first (usual) value, so that many fields are valid.
      const k = picks[i]! % 3 === 0 ? Math.floor(picks[i]! / 3) % vals.length : 0;
      return `${n}=${vals[k]}`;
    });
    for (const e of extra) specs.splice(e.length % (specs.length + 1), 0, e);
    return lead + specs.join(";") + (trailing ? ";" : "");
  });

function field(value: string): HeaderField {
  const raw = Buffer.from(`DKIM-Signature:${value}`, "latin1");
  return { name: "DKIM-Signature", key: "dkim-signature", raw, value: raw.subarray(15) };
}

/** Comparable form (Buffers as text). */
function plain(r: unknown): unknown {
  return JSON.parse(
    JSON.stringify(r, (_k, v: unknown) =>
      Buffer.isBuffer(v) || (v as { type?: string })?.type === "Buffer"
        ? `buf:${Buffer.from(v as Buffer).toString("latin1")}`
        : v,
    ),
  );
}

describe("parseDkimSignatureFast", () => {
  it("declines or agrees with parseDkimSignature on random fields (with and without --legacy)", () => {
    let accepted = 0;
    let total = 0;
    fc.assert(
      fc.property(fieldText, (text) => {
        const f = field(text);
        const fast = parseDkimSignatureFast(f);
        total++;
        if (fast === null) return;
        accepted++;
        for (const legacy of [false, true]) {
          expect(plain(fast)).toEqual(plain(parseDkimSignature(f, { legacy })));
        }
      }),
      { numRuns: 4000 },
    );
    // Not vacuous: a good share of the random fields is valid and taken by the quick parser.
    expect(accepted).toBeGreaterThan(total / 20);
  });

  it("takes a usual folded signature, with the b= value removed as the general parser does", () => {
    const text =
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=rsa;\r\n t=1795600000;" +
      " h=from:from:subject\r\n :to; bh=7yeBUMXmBjT6bnyeO+NkHzR8chmFfDiUTqZgPKBASuE=;\r\n" +
      ` b=${B64.slice(0, 30)}\r\n ${B64.slice(30)}`;
    const fast = parseDkimSignatureFast(field(text));
    expect(fast).not.toBeNull();
    expect(plain(fast)).toEqual(plain(parseDkimSignature(field(text), { legacy: false })));
    expect(fast!.signature.fieldWithoutB.raw.toString("latin1")).toMatch(/;\r\n b=$/);
    expect(fast!.signature.signedHeaders).toEqual(["from", "from", "subject", "to"]);
  });

  it("declines problems and unusual forms, leaving them to the general parser", () => {
    const ok = "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=abcd; b=abcd";
    expect(parseDkimSignatureFast(field(ok))).not.toBeNull();
    for (const bad of [
      ok.replace("v=1", "v=0.5"),
      ok.replace("h=from", "h=to"),
      ok.replace("d=example.com", "d=exa mple.com"),
      `${ok}; d=example.org`,
      `${ok}; foo=bar`,
      `${ok}; q=dns`,
      ok.replace("a=rsa-sha256", "a=constructor"),
      `${ok}; t=10; x=5`,
      `${ok}; i=@other.org`,
    ]) {
      expect(parseDkimSignatureFast(field(bad))).toBeNull();
    }
  });
});
