/**
 * The WebAssembly SIMD scanner (src/message/byte-scan.ts) against plain loops over the same bytes,
 * and the reader's CRLF normalisation with and without it.
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createByteScanner, type ByteScanner } from "../../src/message/byte-scan.js";
import { createMessageReader } from "../../src/message/message-reader.js";
import { splitAt } from "../helpers/split.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

/** A relaxed-canonicalization change starts at i: HTAB, or SP before an octet <= SP. */
const relaxedAt = (b: Buffer, i: number) =>
  b[i] === HTAB || (b[i] === SP && i + 1 < b.length && b[i + 1]! <= SP);
/** An LF at i without CR before it (`before`: the octet before the chunk, -1 for none). */
const bareLfAt = (b: Buffer, i: number, before: number) =>
  b[i] === LF && (i === 0 ? before : b[i - 1]) !== CR;

/** Checks the scanner contract: nothing before p, 32-octet steps from `from`, and p is the first such step. */
function checkContract(b: Buffer, from: number, p: number, at: (i: number) => boolean): void {
  expect(p).toBeGreaterThanOrEqual(from);
  expect(p).toBeLessThanOrEqual(b.length);
  for (let i = from; i < p; i++) expect(at(i)).toBe(false);
  if (p < b.length) {
    expect((p - from) % 32).toBe(0);
    let found = false;
    for (let i = p; i < Math.min(p + 32, b.length); i++) found ||= at(i);
    expect(found).toBe(true);
  }
}

const bytes = fc
  .array(fc.constantFrom(0x61, SP, SP, HTAB, CR, LF, 0x00, 0x7f, 0xff), { maxLength: 300 })
  .map((a) => Buffer.from(a));

describe("byte scanner (WebAssembly SIMD)", () => {
  const scanner = createByteScanner();
  it("is available on the supported Node versions (>= 20.17 has WebAssembly SIMD)", () => {
    expect(scanner).not.toBeNull();
  });
  const s = scanner as ByteScanner;

  it("finds the first block with a relaxed change, from any offset", () => {
    fc.assert(
      fc.property(bytes, fc.nat(), (b, f) => {
        s.load(b, -1);
        const from = f % (b.length + 1);
        checkContract(b, from, s.nextRelaxedChange(from), (i) => relaxedAt(b, i));
      }),
      { numRuns: 500 },
    );
  });

  it("finds the first block with an LF not after CR, counting the octet before the chunk", () => {
    fc.assert(
      fc.property(bytes, fc.nat(), fc.constantFrom(-1, CR, 0x61), (b, f, before) => {
        s.load(b, before);
        const from = f % (b.length + 1);
        checkContract(b, from, s.nextBareLf(from), (i) => bareLfAt(b, i, before));
      }),
      { numRuns: 500 },
    );
  });

  it("grows its memory for big chunks and knows which chunk it holds", () => {
    const big = Buffer.alloc(3 << 20, 0x61);
    big[(3 << 20) - 5] = HTAB;
    s.load(big, -1);
    expect(s.holds(big)).toBe(true);
    expect(s.holds(Buffer.from(big))).toBe(false);
    const p = s.nextRelaxedChange(0);
    expect(p).toBeLessThanOrEqual((3 << 20) - 5);
    expect(p).toBeGreaterThan((3 << 20) - 5 - 32);
    expect(s.nextBareLf(0)).toBe(big.length);
  });
});

/** The body a reader produces, pushed in the given pieces. */
function readBody(pieces: Buffer[], scanAfter: number): string {
  const body: Buffer[] = [];
  const r = createMessageReader({ head() {}, body: (c) => body.push(Buffer.from(c)) }, { scanAfter });
  for (const p of pieces) r.push(p);
  r.end();
  return Buffer.concat(body).toString("latin1");
}

describe("message reader: LF -> CRLF with the scanner is the same as without", () => {
  const text = fc
    .array(fc.constantFrom("a", " ", "\r", "\n", "\r\n", "\n\n", "line of text\r\n", "QUJD".repeat(20)), {
      maxLength: 80,
    })
    .map((u) => `From: a@example.com\r\n\r\n${u.join("")}`);
  it("on random bodies split anywhere", () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 5 }), (s, cuts) => {
        const pieces = splitAt(Buffer.from(s, "latin1"), cuts);
        expect(readBody(pieces, 0)).toBe(readBody(pieces, Infinity));
      }),
      { numRuns: 300 },
    );
  });
});
