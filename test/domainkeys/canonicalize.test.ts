import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { canonicalHeader, createDkBodyCanonicalizer, type DkMethod } from "../../src/domainkeys/index.js";
import { parseHeaderFields } from "../../src/message/header-fields.js";

/** Runs the body canonicalizer over `chunks`; returns everything it emitted (separator line included). */
function canon(method: DkMethod, chunks: Buffer[]): string {
  const out: Buffer[] = [];
  const c = createDkBodyCanonicalizer(method, (b) => out.push(Buffer.from(b)));
  for (const chunk of chunks) c.push(chunk);
  c.end();
  return Buffer.concat(out).toString("latin1");
}
const once = (method: DkMethod, body: string) => canon(method, [Buffer.from(body, "latin1")]);

describe("DomainKeys body canonicalization (RFC 4870 §3.4)", () => {
  it.each([
    // [method, body, hashed bytes after the header lines]
    ["simple", "", ""], // empty body: the separator line is a trailing empty line too
    ["simple", "\r\n", ""],
    ["simple", "\r\n\r\n\r\n", ""],
    ["simple", "abc\r\n", "\r\nabc\r\n"],
    ["simple", "abc\r\n\r\n\r\n", "\r\nabc\r\n"],
    ["simple", "abc", "\r\nabc"], // no CRLF is added
    ["simple", "a\r\n\r\nb\r\n", "\r\na\r\n\r\nb\r\n"], // inner empty lines stay
    ["simple", "\r\n\r\nabc\r\n", "\r\n\r\n\r\nabc\r\n"], // leading empty lines stay
    ["simple", " a  b \r\n \r\n", "\r\n a  b \r\n \r\n"], // a line of spaces is not empty
    ["simple", "abc\r\n\r\n\r", "\r\nabc\r\n\r\n\r"],
    ["simple", "\r\r\n", "\r\n\r\r\n"],
    ["nofws", "", ""],
    ["nofws", " a  b \r\n", "\r\nab\r\n"],
    ["nofws", "a\tb\r\n \r\n\t\r\n", "\r\nab\r\n"], // lines of WSP become empty, then trailing
    ["nofws", "x\r\n \r\ny\r\n", "\r\nx\r\n\r\ny\r\n"],
    ["nofws", "a\rb\r\n", "\r\nab\r\n"], // lone CR dropped
    ["nofws", "a\nb\r\n", "\r\nab\r\n"], // lone LF dropped
    ["nofws", "a \r \n", "\r\na\r\n"], // WSP goes first, so CR SP LF is a line end (as Mail::DKIM)
    ["nofws", "a\r", "\r\na"], // a CR at the very end is lone
  ] as const)("%s %j -> %j", (method, body, expected) => {
    expect(once(method, body)).toBe(expected);
  });

  const samples = [
    "Hello  world \r\n\tindented\r\n\r\n\r\n-- \r\nsig\r\n\r\n\r\n",
    "\r\n\r\n a\r\r\n\n b \r\n\r\n\r",
    "no final line end",
  ];
  it.each(samples.flatMap((s) => (["simple", "nofws"] as const).map((m) => [m, s] as const)))(
    "%s gives the same output for a split at every byte offset of %j",
    (method, body) => {
      const buf = Buffer.from(body, "latin1");
      const whole = canon(method, [buf]);
      for (let i = 0; i <= buf.length; i++) {
        expect(canon(method, [buf.subarray(0, i), buf.subarray(i)])).toBe(whole);
      }
      expect(
        canon(
          method,
          [...buf].map((b) => Buffer.from([b])),
        ),
      ).toBe(whole);
    },
  );

  const bodyArb = fc.string({
    unit: fc.constantFrom(" ", "\t", "\r", "\n", "\r\n", "a", "b"),
    maxLength: 40,
  });
  it.each(["simple", "nofws"] as const)("%s: any split gives the same output (property)", (method) => {
    fc.assert(
      fc.property(bodyArb, fc.nat(), fc.nat(), (body, x, y) => {
        const buf = Buffer.from(body, "latin1");
        const [i, j] = [x % (buf.length + 1), y % (buf.length + 1)].sort((a, b) => a - b) as [number, number];
        expect(canon(method, [buf.subarray(0, i), buf.subarray(i, j), buf.subarray(j)])).toBe(
          canon(method, [buf]),
        );
      }),
    );
  });
  it.each(["simple", "nofws"] as const)("%s is idempotent: canon(canon(x)) = canon(x)", (method) => {
    // The output starts with the separator CRLF (when anything is output); strip it to get a body again.
    const body = (b: string) => {
      const out = once(method, b);
      return out.startsWith("\r\n") ? out.slice(2) : out;
    };
    fc.assert(
      fc.property(bodyArb, (b) => {
        expect(body(body(b))).toBe(body(b));
      }),
    );
  });
});

describe("DomainKeys header canonicalization", () => {
  const fields = (() => {
    const r = parseHeaderFields(
      Buffer.from("Subject: hi  there\r\nTo: a@example.org,\r\n\t b@example.org \r\n"),
    );
    if ("problem" in r) throw new Error("parse");
    return r.fields;
  })();
  it("simple keeps the field exactly, folding included", () => {
    expect(canonicalHeader("simple", fields[1]!).toString()).toBe(
      "To: a@example.org,\r\n\t b@example.org \r\n",
    );
  });
  it("nofws deletes every SP, HTAB, CR and LF, then ends the line with CRLF", () => {
    expect(canonicalHeader("nofws", fields[0]!).toString()).toBe("Subject:hithere\r\n");
    expect(canonicalHeader("nofws", fields[1]!).toString()).toBe("To:a@example.org,b@example.org\r\n");
  });
});
