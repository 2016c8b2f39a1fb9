/**
 * The relaxed body kernel (src/dkim/relaxed-kernel.ts and its WebAssembly source
 * relaxed-kernel.wat): the committed module is what the .wat assembles to, the kernel gives the RFC
 * 6376 §3.4.4 result and the streaming canonicalizer's bytes on random bodies (dense ones too,
 * where its 16-octet steps stop every few octets), and a body hasher or a whole verification with
 * the kernel gives the same results as without it.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import wabtInit from "wabt";
import { createBodyHasher } from "../../src/dkim/body-hash.js";
import { createBodyCanonicalizer } from "../../src/dkim/canonicalize.js";
import { createRelaxedKernel, KERNEL_MAX_BODY, type RelaxedKernel } from "../../src/dkim/relaxed-kernel.js";
import { RELAXED_KERNEL_WASM } from "../../src/dkim/relaxed-kernel-wasm.js";
import { signMessage } from "../../src/dkim/sign-message.js";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import { fixtureResolver, rsaSignRequest } from "./fixtures.js";

/** RFC 6376 §3.4.4 on a whole string: lines split at CRLF only (a lone CR or LF is data). */
function reference(s: string): string {
  const lines = s.split("\r\n").map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`;
}

/** The streaming canonicalizer's output for the same bytes. */
function streaming(buf: Buffer): string {
  const out: Buffer[] = [];
  const c = createBodyCanonicalizer("relaxed", (b) => out.push(Buffer.from(b)));
  c.push(buf);
  c.end();
  return Buffer.concat(out).toString("latin1");
}

function kernel(): RelaxedKernel {
  const k = createRelaxedKernel();
  if (k === null) throw new Error("this Node.js has no WebAssembly SIMD");
  return k;
}

// Units: words and single spaces (16-octet steps), every change (WSP runs, HTAB, WSP before
// CRLF, WSP before a lone CR), lone CR and LF, controls below SP, octets above 0x7f, empty lines,
// and long change-free text.
const unit = fc.oneof(
  fc.constantFrom("a", "word", "x y", " ", "  ", "\t", " \t ", "\r", "\n", "\r\n", "\r\n\r\n", " \r\n"),
  fc.constantFrom("\t\r\n", " \r", "\x01", "\x1f", "\xff", "é", "\x00"),
  fc.nat({ max: 80 }).map((n) => "The quick brown fox jumps.\r\n".repeat(n)),
  fc.nat({ max: 300 }).map((n) => "QUJDREVGR0hJSktM".repeat(Math.ceil(n / 16)).slice(0, n)),
  fc.nat({ max: 20 }).map((n) => "\r\n".repeat(n)),
);
const body = fc.array(unit, { maxLength: 40 }).map((u) => u.join(""));

describe("relaxed body kernel", () => {
  it("is the module relaxed-kernel.wat assembles to (run `npm run wasm` after changing it)", async () => {
    const wabt = await wabtInit();
    const src = readFileSync(new URL("../../src/dkim/relaxed-kernel.wat", import.meta.url), "utf8");
    const module = wabt.parseWat("relaxed-kernel.wat", src, { simd: true });
    module.validate();
    const bytes = Buffer.from(module.toBinary({}).buffer);
    module.destroy();
    expect(bytes.toString("base64")).toBe(RELAXED_KERNEL_WASM);
  });

  it("gives the RFC result and the streaming canonicalizer's bytes on random bodies", () => {
    const k = kernel();
    fc.assert(
      fc.property(body, (s) => {
        const buf = Buffer.from(s, "latin1");
        const got = k.canonicalize(buf).toString("latin1");
        expect(got).toBe(reference(s));
        expect(got).toBe(streaming(buf));
      }),
      { numRuns: 2000 },
    );
  });

  it("on every short body over a small alphabet, at every alignment of its 16-octet steps", () => {
    // Every string of up to 6 symbols, placed after 0-16 data octets and before 0-17: each change
    // meets the step boundary and the 17-octet look-ahead at every offset.
    const k = kernel();
    const symbols = ["a", " ", "\t", "\r\n", "\r", "\n"];
    let checked = 0;
    const wrong: string[] = [];
    const walk = (s: string, depth: number) => {
      for (let pre = 0; pre <= 16; pre += 4) {
        for (const post of [0, 1, 17]) {
          const t = "p".repeat(pre) + s + "q".repeat(post);
          const got = k.canonicalize(Buffer.from(t, "latin1")).toString("latin1");
          if (got !== reference(t)) wrong.push(JSON.stringify(t));
          checked++;
        }
      }
      if (depth < 5) for (const sym of symbols) walk(s + sym, depth + 1);
    };
    walk("", 0);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(100000);
  });

  it("grows its memory for large bodies and keeps working for small ones after", () => {
    const k = kernel();
    const big = Buffer.from("word  word\t\r\n".repeat(Math.floor(KERNEL_MAX_BODY / 13)), "latin1");
    expect(big.length).toBeLessThanOrEqual(KERNEL_MAX_BODY);
    // Compared by digest: a failing 1 MB string comparison would print for minutes.
    const digest = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
    expect(digest(k.canonicalize(big))).toBe(
      digest(Buffer.from(reference(big.toString("latin1")), "latin1")),
    );
    expect(k.canonicalize(Buffer.from("a  b \r\n\r\n")).toString("latin1")).toBe("a b\r\n");
    expect(() => k.canonicalize(Buffer.alloc(KERNEL_MAX_BODY + 1, 0x61))).toThrow(RangeError);
  });

  it("gives a body hasher the same result as the streaming path, with and without l=", () => {
    const k = kernel();
    fc.assert(
      fc.property(body, fc.option(fc.nat({ max: 3000 })), (s, l) => {
        const buf = Buffer.from(s, "latin1");
        const plain = createBodyHasher("relaxed", "sha256", l ?? undefined);
        plain.update(buf);
        const fast = createBodyHasher("relaxed", "sha256", l ?? undefined, k);
        fast.update(buf, undefined, true);
        const want = Buffer.from(reference(s), "latin1");
        const got = fast.finish();
        expect(got).toEqual(plain.finish());
        const hashed = l === null ? want : want.subarray(0, l);
        expect(got.bodyHash).toBe(createHash("sha256").update(hashed).digest("base64"));
      }),
      { numRuns: 500 },
    );
  });

  it("is only used for a body pushed whole: pieces and bodies over the limit stream", () => {
    const k = kernel();
    let calls = 0;
    const counting: RelaxedKernel = {
      canonicalize: (b) => (calls++, k.canonicalize(b)),
      relaxedHeaders: (f, last) => k.relaxedHeaders(f, last),
    };
    const h1 = createBodyHasher("relaxed", "sha256", undefined, counting);
    h1.update(Buffer.from("a  b\r\n"));
    h1.update(Buffer.from("c\r\n"), undefined, true);
    const h2 = createBodyHasher("simple", "sha256", undefined, counting);
    h2.update(Buffer.from("a  b\r\n"), undefined, true);
    const h3 = createBodyHasher("relaxed", "sha256", undefined, counting);
    h3.update(Buffer.alloc(KERNEL_MAX_BODY + 1, 0x61), undefined, true);
    const h4 = createBodyHasher("relaxed", "sha256", undefined, counting);
    h4.update(Buffer.from("a  b\r\nc\r\n"), undefined, true);
    const sha = (s: string) => createHash("sha256").update(s).digest("base64");
    expect(h1.finish().bodyHash).toBe(sha("a b\r\nc\r\n"));
    expect(h2.finish().bodyHash).toBe(sha("a  b\r\n"));
    expect(h3.finish().canonicalLength).toBe(KERNEL_MAX_BODY + 3);
    expect(h4.finish().bodyHash).toBe(sha("a b\r\nc\r\n"));
    expect(calls).toBe(1);
    expect(() => h4.update(Buffer.from("x"))).toThrow(/after the last chunk/);
  });
});

describe("verifyMessage with the relaxed kernel", () => {
  const MESSAGE = Buffer.from(
    "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: two bodies\r\n\r\n" +
      "Body  with\tspaces \r\nand lines\r\n\r\nand a tail  \r\n\r\n",
  );

  it("gives the same outcomes as without it when two signatures share it (different l=)", async () => {
    const req = (bodyLength: boolean) => rsaSignRequest("example.com", { bodyLength, timestamp: 1795600000 });
    const r = await signMessage([MESSAGE], [req(true), req(false)]);
    if (r.kind !== "ok") throw new Error("sign failed");
    const msg = Buffer.concat([Buffer.from(r.fields.map((f) => `${f}\r\n`).join(""), "latin1"), MESSAGE]);
    const o = { resolver: fixtureResolver(), legacy: false, now: new Date("2026-11-25T12:00:00Z") };
    const relaxedKernel = kernel();
    const plain = await verifyMessage([msg], o);
    const fast = await verifyMessage([msg], { ...o, relaxedKernel });
    expect(fast).toEqual(plain);
    if (fast.kind !== "ok") throw new Error("not a message");
    expect(fast.dkim.map((d) => d.result)).toEqual(["pass", "pass"]);
    // A changed body fails the same way with and without the kernel.
    const bad = Buffer.from(msg.toString("latin1").replace("and lines", "and  lines!"), "latin1");
    const badFast = await verifyMessage([bad], { ...o, relaxedKernel });
    expect(badFast).toEqual(await verifyMessage([bad], o));
    if (badFast.kind !== "ok") throw new Error("not a message");
    expect(badFast.dkim.map((d) => d.result)).toEqual(["fail", "fail"]);
  });
});
