/**
 * The short in-memory body path of the body hasher (src/dkim/body-hash.ts, src/dkim/relaxed-body.ts):
 * a body pushed in one piece is compacted in place and reaches the hash as one buffer (one-shot
 * hash, no Hash object). It must give the same bh=, lengths and l= cut as the general path (the
 * same body pushed in small pieces, hashed through a Hash object) and as the RFC 6376 §3.4.4 text.
 */
import { describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { createBodyHasher, type BodyHashResult } from "../../src/dkim/body-hash.js";
import type { Canon } from "../../src/dkim/canonicalize.js";

/** RFC 6376 §3.4.4 on a whole string: lines split at CRLF only (a lone CR or LF is data). */
function reference(s: string): string {
  const lines = s.split("\r\n").map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`;
}

function hashOf(pieces: Buffer[], canon: Canon, limit?: number): BodyHashResult {
  const h = createBodyHasher(canon, "sha256", limit);
  for (const p of pieces) h.update(p);
  return h.finish();
}

/** `buf` in pieces of `size` octets (the general path: several buffers, a Hash object). */
function pieces(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

// WSP runs, tabs, trailing WSP, empty lines (also WSP-only), lone CR and LF, no final CRLF.
const unit = fc.oneof(
  fc.constantFrom("a", "word", " ", "  ", "\t", " \t ", "\r", "\n", "\r\n", "\r\n\r\n", " \r\n", "\t\r\n"),
  fc.constantFrom(" \r", "x  \r\n", " \r\n\t\r\n", "\r\r\n", "end  "),
  fc.nat({ max: 40 }).map((n) => "Line of text with  some   spaces.\r\n".repeat(n)),
  fc.nat({ max: 20 }).map((n) => "\r\n".repeat(n)),
);
const body = fc.array(unit, { maxLength: 40 }).map((u) => u.join(""));
const limit = fc.option(fc.nat({ max: 3000 }), { nil: undefined });

describe("body hash of a body pushed in one piece", () => {
  it("equals the general path and the RFC text (relaxed, with and without l=)", () => {
    fc.assert(
      fc.property(body, limit, fc.integer({ min: 1, max: 9 }), (s, l, size) => {
        const buf = Buffer.from(s, "latin1");
        const one = hashOf([buf], "relaxed", l);
        expect(one).toEqual(hashOf(pieces(buf, size), "relaxed", l));
        const canonical = Buffer.from(reference(s), "latin1");
        const cut = l === undefined ? canonical : canonical.subarray(0, l);
        expect(one.bodyHash).toBe(createHash("sha256").update(cut).digest("base64"));
        expect(one.canonicalLength).toBe(canonical.length);
      }),
      { numRuns: 300 },
    );
  });

  it("equals the general path for simple bodies and sha1", () => {
    fc.assert(
      fc.property(body, limit, (s, l) => {
        const buf = Buffer.from(s, "latin1");
        expect(hashOf([buf], "simple", l)).toEqual(hashOf(pieces(buf, 5), "simple", l));
        const one = createBodyHasher("relaxed", "sha1", l);
        one.update(buf);
        const many = createBodyHasher("relaxed", "sha1", l);
        for (const p of pieces(buf, 3)) many.update(p);
        expect(one.finish()).toEqual(many.finish());
      }),
      { numRuns: 150 },
    );
  });

  it("a body larger than the in-place limit (16 KiB) in one piece", () => {
    const s = "Line of text with  some   spaces.\t\r\n \r\n".repeat(600) + "tail  ";
    const buf = Buffer.from(s, "latin1");
    expect(buf.length).toBeGreaterThan(16 * 1024);
    const one = hashOf([buf], "relaxed");
    expect(one).toEqual(hashOf(pieces(buf, 7), "relaxed"));
    expect(one.bodyHash).toBe(createHash("sha256").update(reference(s), "latin1").digest("base64"));
  });

  it("the empty body and a WSP-only body hash as the empty string", () => {
    const empty = createHash("sha256").update("").digest("base64");
    for (const s of ["", "  ", "\r\n \r\n\t"]) {
      expect(hashOf([Buffer.from(s, "latin1")], "relaxed")).toEqual({
        bodyHash: empty,
        canonicalLength: 0,
        hashedLength: 0,
      });
    }
  });
});
