/**
 * The string-based header split (src/message/header-fields.ts) against the former Buffer-based
 * split, kept here as the reference: same fields (names, keys, exact raw and value bytes) or the
 * same problem on random header blocks with folding, odd white space, bare LFs and CRs, missing
 * colons and bad names.
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { parseHeaderFields, type HeaderField, type HeaderProblem } from "../../src/message/header-fields.js";

/** The split as it was before the latin1-string version (one Buffer view per field). */
function reference(block: Buffer): { fields: HeaderField[] } | { problem: HeaderProblem } {
  const fields: HeaderField[] = [];
  let start = 0;
  let lineNo = 0;
  let fieldStart = -1;
  let lastFieldEnd = 0;
  const close = (end: number): HeaderProblem | null => {
    if (fieldStart < 0) return null;
    const raw = block.subarray(fieldStart, end);
    const colon = raw.indexOf(0x3a);
    if (colon <= 0) return { kind: "no-colon", line: lineNo };
    const name = raw
      .subarray(0, colon)
      .toString("latin1")
      .replace(/[ \t]+$/, "");
    if (name.length === 0 || /[\x00-\x20\x7f-\xff]/.test(name)) return { kind: "no-colon", line: lineNo };
    fields.push({ name, key: name.toLowerCase(), raw, value: raw.subarray(colon + 1) });
    return null;
  };
  while (start < block.length) {
    let end = block.indexOf(0x0a, start);
    const next = end < 0 ? block.length : end + 1;
    if (end < 0) end = block.length;
    const lineEnd = end > start && block[end - 1] === 0x0d ? end - 1 : end;
    lineNo++;
    const first = block[start];
    if (first === 0x20 || first === 0x09) {
      if (fieldStart < 0) return { problem: { kind: "starts-with-continuation" } };
    } else {
      const p = close(lastFieldEnd);
      if (p) return { problem: p };
      fieldStart = start;
    }
    lastFieldEnd = lineEnd;
    start = next;
  }
  const p = close(lastFieldEnd);
  if (p) return { problem: p };
  return { fields };
}

/** Comparable form: Buffers as latin1 text, plus the offsets of raw and value in the block. */
function view(block: Buffer, r: ReturnType<typeof parseHeaderFields>) {
  if ("problem" in r) return r;
  return r.fields.map((f) => ({
    name: f.name,
    key: f.key,
    raw: f.raw.toString("latin1"),
    value: f.value.toString("latin1"),
    rawAt: f.raw.byteOffset - block.byteOffset,
    valueAt: f.value.byteOffset - block.byteOffset,
    shared: f.raw.buffer === block.buffer && f.value.buffer === block.buffer,
  }));
}

/** Header-ish lines: names (good, with WSP before the colon, bad octets), folds, odd line ends. */
const piece = fc.oneof(
  fc.constantFrom("From", "To", "Subject", "DKIM-Signature", "x-a", "Received", "FROM", "Ä-x", "a b", ""),
  fc.constantFrom(":", ": ", " :", "\t: ", "::", "=", ";"),
  fc.constantFrom(" ", "\t", "  ", " \t "),
  fc.constantFrom("\r\n", "\n", "\r", "\r\r\n", "\r\n ", "\r\n\t", "\n  ", "\r\n\r\n"),
  fc.constantFrom("value", "<a@b.c>", "=?utf-8?q?x?=", "\x7f", "\x00", "\xff", "é"),
  fc.string({ maxLength: 6 }),
);
const block = fc.array(piece, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(""), "latin1"));
/** A well-formed block: fields with folds and odd WSP, duplicate names, final CRLF or not. */
const goodBlock = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.constantFrom("From", "To", "to", "Subject", "X-Dup", "x-dup", "Received"),
        fc.constantFrom(":", " :", ":\t", ":  "),
        fc.array(fc.constantFrom("a", " b", "\t c ", "\r\n d", "\r\n\t e", "  ", "f:g"), { maxLength: 6 }),
      ),
      { minLength: 1, maxLength: 12 },
    ),
    fc.boolean(),
  )
  .map(([fs, crlf]) =>
    Buffer.from(fs.map(([n, c, v]) => `${n}${c}${v.join("")}`).join("\r\n") + (crlf ? "\r\n" : ""), "latin1"),
  );

describe("parseHeaderFields (string-based split)", () => {
  it("matches the Buffer-based reference on random blocks", () => {
    fc.assert(
      fc.property(fc.oneof(block, goodBlock), (b) => {
        expect(view(b, parseHeaderFields(b))).toEqual(view(b, reference(b)));
      }),
      { numRuns: 3000 },
    );
  });

  it("matches the reference on a block that is a view into a larger buffer", () => {
    fc.assert(
      fc.property(goodBlock, fc.nat(20), (b, pad) => {
        const big = Buffer.concat([Buffer.alloc(pad, 0x41), b, Buffer.alloc(7, 0x42)]);
        const sub = big.subarray(pad, pad + b.length);
        const got = parseHeaderFields(sub);
        expect(view(sub, got)).toEqual(view(sub, reference(sub)));
        if ("fields" in got) expect(got.fields.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the reported line of a field without a colon", () => {
    const b = Buffer.from("From: a\r\nbroken line\r\n folded\r\nTo: b\r\n", "latin1");
    expect(parseHeaderFields(b)).toEqual(reference(b));
    expect(parseHeaderFields(b)).toEqual({ problem: { kind: "no-colon", line: 4 } });
  });
});
