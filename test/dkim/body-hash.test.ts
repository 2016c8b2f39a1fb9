/** The 14 body-hash vectors of ../shared/conformance/dkim/bodyhash.json, and streaming splits. */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createBodyHasher } from "../../src/dkim/body-hash.js";
import { createBodyCanonicalizer, type Canon } from "../../src/dkim/canonicalize.js";
import { lfToCrlf } from "../../src/message/header-fields.js";
import { loadBodyHashVectors, vectorBytes, type BodyHashVector, describeVectors } from "./vectors-support.js";
import { splitAt } from "../helpers/split.js";

function unescape(s: string): Buffer {
  return Buffer.from(s.replace(/\\r/g, "\r").replace(/\\n/g, "\n").replace(/\\t/g, "\t"), "latin1");
}

function bodyOf(v: BodyHashVector): Buffer {
  if (v.body.escaped !== undefined) return lfToCrlf(unescape(v.body.escaped));
  const msg = lfToCrlf(vectorBytes(v.body.file!));
  const sep = msg.indexOf("\r\n\r\n");
  return sep < 0 ? Buffer.alloc(0) : msg.subarray(sep + 4);
}

function canonical(canon: Canon, pieces: Buffer[]): Buffer {
  const out: Buffer[] = [];
  const c = createBodyCanonicalizer(canon, (b) => out.push(Buffer.from(b)));
  for (const p of pieces) c.push(p);
  c.end();
  return Buffer.concat(out);
}

const vectors = loadBodyHashVectors();

describeVectors("body-hash vectors", () => {
  it("has the 14 vectors", () => {
    expect(vectors.length).toBe(14);
  });
  it.each(
    vectors.map(
      (v, i) => [`${i + 1} ${v.description} (${v.canonicalization}, ${v.hash}, l=${v.l})`, v] as const,
    ),
  )("%s", (_name, v) => {
    const h = createBodyHasher(v.canonicalization, v.hash, v.l ?? undefined);
    h.update(bodyOf(v));
    expect(h.finish().bodyHash).toBe(v.expected_bh);
  });
});

const SAMPLES = [
  "",
  "\r\n",
  "\r\n\r\n",
  "abc",
  "abc\r\n",
  "abc\r\n\r\n\r\n",
  " a  b \t c \r\n\t\r\n  \r\nd\r\n\r\n",
  "x\ry\r\r\n\r",
  "line \r\n\r\n\r\nnext\t\r\n \r\n",
  "\r",
  "a \r",
  "trailing space   ",
];

describe("body canonicalizers stream", () => {
  it.each(SAMPLES.flatMap((s) => (["simple", "relaxed"] as const).map((c) => [c, s] as const)))(
    "%s %j: every split point gives the same bytes",
    (canon, s) => {
      const buf = Buffer.from(s, "latin1");
      const whole = canonical(canon, [buf]);
      for (let i = 0; i <= buf.length; i++) {
        for (let j = i; j <= buf.length; j++) {
          const parts = [buf.subarray(0, i), buf.subarray(i, j), buf.subarray(j)];
          expect(canonical(canon, parts).toString("latin1")).toBe(whole.toString("latin1"));
        }
      }
      const bytewise = [...buf].map((b) => Buffer.from([b]));
      expect(canonical(canon, bytewise)).toEqual(whole);
    },
  );
  it.each(SAMPLES.flatMap((s) => (["simple", "relaxed"] as const).map((c) => [c, s] as const)))(
    "%s %j is idempotent",
    (canon, s) => {
      const once = canonical(canon, [Buffer.from(s, "latin1")]);
      const twice = canonical(canon, [once]);
      if (canon === "relaxed" && once.length === 0) expect(twice.length).toBe(0);
      else expect(twice).toEqual(once);
    },
  );
  it.each([
    ["simple", "", "\r\n"],
    ["relaxed", "", ""],
    ["simple", "abc", "abc\r\n"],
    ["relaxed", " a  b \t c \r\n\t\r\n  \r\nd\r\n\r\n", " a b c\r\n\r\n\r\nd\r\n"],
    ["relaxed", "a\r\n\r\n", "a\r\n"],
    ["simple", "a\r\n\r\n", "a\r\n"],
    ["simple", "x\r", "x\r\r\n"],
  ] as const)("%s %j -> %j (RFC 6376 §3.4.3, §3.4.4)", (canon, input, want) => {
    expect(canonical(canon, [Buffer.from(input, "latin1")]).toString("latin1")).toBe(want);
  });
  it("a 2 MB body hashes the same whole and in 4 KiB chunks", () => {
    const body = Buffer.from("Hello  world \t \r\n\r\n".repeat(100_000));
    for (const canon of ["simple", "relaxed"] as const) {
      const a = createBodyHasher(canon, "sha256");
      a.update(body);
      const b = createBodyHasher(canon, "sha256");
      for (let i = 0; i < body.length; i += 4096) b.update(body.subarray(i, i + 4096));
      expect(b.finish()).toEqual(a.finish());
    }
  });
});

/** Reference canonicalizations written straight from RFC 6376 §3.4.3 / §3.4.4, on whole strings. */
function reference(canon: Canon, s: string): string {
  if (canon === "simple") return `${s.replace(/(\r\n)+$/, "")}\r\n`;
  const lines = s.split("\r\n").map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`;
}

describe("body canonicalizers match the RFC text on random input, split anywhere", () => {
  const body = fc.string({
    unit: fc.constantFrom("a", "b", " ", "\t", "\r", "\n", "\r\n", "  ", "\r\n\r\n"),
    maxLength: 60,
  });
  it.each(["simple", "relaxed"] as const)("%s", (canon) => {
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 4 }), (s, cuts) => {
        const pieces = splitAt(Buffer.from(s, "latin1"), cuts);
        expect(canonical(canon, pieces).toString("latin1")).toBe(reference(canon, s));
      }),
      { numRuns: 2000 },
    );
  });
});
