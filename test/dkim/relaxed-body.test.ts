/**
 * The fast paths of the relaxed body canonicalizer (src/dkim/relaxed-body.ts): verbatim spans,
 * WSP-free chunks passed through whole, the reused scratch buffer of a body hasher, carried empty
 * lines. Each is checked against the RFC text and against the byte-at-a-time (general) path.
 */
import { describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { createBodyHasher } from "../../src/dkim/body-hash.js";
import { createBodyCanonicalizer } from "../../src/dkim/canonicalize.js";
import { relaxedBody } from "../../src/dkim/relaxed-body.js";
import { createByteScanner } from "../../src/message/byte-scan.js";
import { splitAt } from "../helpers/split.js";

/** RFC 6376 §3.4.4 on a whole string: lines split at CRLF only (a lone CR or LF is data). */
function reference(s: string): string {
  const lines = s.split("\r\n").map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`;
}

/** Canonical bytes, collected (the canonicalizer may not reuse buffers it handed out). */
function canonical(pieces: Buffer[]): string {
  const out: Buffer[] = [];
  const c = createBodyCanonicalizer("relaxed", (b) => out.push(Buffer.from(b)));
  for (const p of pieces) c.push(p);
  c.end();
  return Buffer.concat(out).toString("latin1");
}

/** bh= through the body hasher (transient output: one reused scratch buffer). */
function bodyHash(pieces: Buffer[]): string {
  const h = createBodyHasher("relaxed", "sha256");
  for (const p of pieces) h.update(p);
  return h.finish().bodyHash;
}

const sha256 = (s: string) => createHash("sha256").update(s, "latin1").digest("base64");

const split = splitAt;

// Units that hit every branch: long WSP-free runs (>= 512 octets: whole-chunk pass-through and
// direct spans), words with single spaces (verbatim), WSP runs and tabs, WSP before CRLF, empty
// and WSP-only lines, a lone CR, an LF not after CR, many line ends.
const unit = fc.oneof(
  fc.constantFrom("a", "word", " ", "  ", "\t", " \t ", "\r", "\n", "\r\n", "\r\n\r\n", " \r\n", "\t\r\n"),
  fc.nat({ max: 900 }).map((n) => "QUJDREVG".repeat(Math.ceil(n / 8)).slice(0, n)),
  fc.nat({ max: 60 }).map((n) => "The quick brown fox.\r\n".repeat(n)),
  fc.nat({ max: 40 }).map((n) => "\r\n".repeat(n)),
);
const body = fc.array(unit, { maxLength: 30 }).map((u) => u.join(""));

describe("relaxed body fast paths give the RFC result", () => {
  it("on random bodies split anywhere, collected and hashed", () => {
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 6 }), (s, cuts) => {
        const buf = Buffer.from(s, "latin1");
        const want = reference(s);
        const pieces = split(buf, cuts);
        expect(canonical(pieces)).toBe(want);
        expect(bodyHash(pieces)).toBe(sha256(want));
        expect(bodyHash([buf])).toBe(sha256(want));
      }),
      { numRuns: 400 },
    );
  });

  it("with the SIMD scanner on every chunk (own scanner, or one that holds the chunk already)", () => {
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (s, cuts, shared) => {
        const buf = Buffer.from(s, "latin1");
        const out: Buffer[] = [];
        const c = relaxedBody((b) => out.push(Buffer.from(b)), { transient: true, scanAfter: 0 });
        const scanner = shared ? createByteScanner() : null;
        for (const piece of split(buf, cuts)) {
          scanner?.load(piece, -1);
          c.push(piece, scanner ?? undefined);
        }
        c.end();
        expect(Buffer.concat(out).toString("latin1")).toBe(reference(s));
      }),
      { numRuns: 300 },
    );
  });

  it("the same bytes as the byte-at-a-time path (no fast path applies to 1-octet pushes)", () => {
    fc.assert(
      fc.property(body, (s) => {
        const buf = Buffer.from(s, "latin1");
        const bytewise = [...buf].map((b) => Buffer.from([b]));
        expect(canonical([buf])).toBe(canonical(bytewise));
      }),
      { numRuns: 100 },
    );
  });

  it("carries more empty lines than fit in one push (emitted in separate pieces)", () => {
    const s = `a\r\n${"\r\n".repeat(70_000)} \t\r\n${"\r\n".repeat(40_000)}b  c \r\n\r\n`;
    const buf = Buffer.from(s, "latin1");
    const want = reference(s);
    for (const size of [1000, 4096, 65536]) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) pieces.push(buf.subarray(i, i + size));
      expect(canonical(pieces)).toBe(want);
      expect(bodyHash(pieces)).toBe(sha256(want));
    }
  });

  it("a 3 MB mixed body in 1 MB chunks (reused scratch buffer) hashes as the RFC text", () => {
    const block =
      "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n".repeat(5000) +
      "The quick brown fox jumps over the  lazy dog,\tagain and  again.  \r\n".repeat(3000) +
      "plain text with single spaces only\r\n".repeat(4000) +
      "\r\n \r\n";
    const s = block.repeat(Math.ceil((3 << 20) / block.length));
    const buf = Buffer.from(s, "latin1");
    const pieces: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 1 << 20) pieces.push(buf.subarray(i, i + (1 << 20)));
    expect(bodyHash(pieces)).toBe(sha256(reference(s)));
  });

  it("does not change the input buffers", () => {
    const s = " a  b\t\r\n\r\nQUJD \r\n".repeat(100);
    const buf = Buffer.from(s, "latin1");
    bodyHash([buf]);
    canonical(split(buf, [7, 300, 1001]));
    expect(buf.toString("latin1")).toBe(s);
  });
});
