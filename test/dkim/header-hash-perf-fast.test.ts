/**
 * relaxedHeaderHashInput (src/dkim/canonicalize.ts, the verifier's quick path) against
 * headerHashInput (src/dkim/signature.ts) on random header blocks and h= lists: duplicate and
 * over-signed names, folded values, odd white space, names in any case. The relaxed kernel's
 * relaxedHeaders (src/dkim/relaxed-kernel.ts, WebAssembly) is held to the same output.
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { pickSignedFields, relaxedHeaderHashInput } from "../../src/dkim/canonicalize.js";
import { createRelaxedKernel } from "../../src/dkim/relaxed-kernel.js";
import { headerHashInput } from "../../src/dkim/signature.js";
import { parseHeaderFields, type HeaderField } from "../../src/message/header-fields.js";

const NAMES = ["From", "from", "To", "Subject", "X-Dup", "x-dup", "Date", "Received"];
const value = fc.array(fc.constantFrom("a", " b", "\t c ", "\r\n d", "\r\n\t e ", "  ", "f:g", " \t", "é"), {
  maxLength: 6,
});
const fieldsArb = fc
  .array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(":", " :", ":\t", ":  "), value), {
    minLength: 1,
    maxLength: 12,
  })
  .map((fs) => {
    const block = Buffer.from(fs.map(([n, c, v]) => `${n}${c}${v.join("")}\r\n`).join(""), "latin1");
    const parsed = parseHeaderFields(block);
    if ("problem" in parsed) throw new Error("generator made a bad block");
    return parsed.fields;
  });
const signedArb = fc.array(
  fc.constantFrom("from", "to", "subject", "x-dup", "date", "received", "cc", "missing"),
  { minLength: 1, maxLength: 16 },
);
const sigField = (v: string): HeaderField => {
  const raw = Buffer.from(`DKIM-Signature:${v}`, "latin1");
  return { name: "DKIM-Signature", key: "dkim-signature", raw, value: raw.subarray(15) };
};

const kernel = createRelaxedKernel()!;

describe("relaxedHeaderHashInput", () => {
  it("is byte-identical to headerHashInput(relaxed) on random fields and h= lists", () => {
    fc.assert(
      fc.property(fieldsArb, signedArb, value, (fields, signed, sv) => {
        const sig = sigField(` v=1; d=x;${sv.join("")} b=`);
        const fast = relaxedHeaderHashInput(fields, signed, sig);
        const general = headerHashInput(fields, signed, "relaxed", sig);
        expect(fast.toString("latin1")).toBe(general.toString("latin1"));
        // The WebAssembly kernel (a long-running verifier's) writes the same octets.
        const kernelled = kernel.relaxedHeaders(pickSignedFields(fields, signed), sig);
        expect(kernelled.toString("latin1")).toBe(general.toString("latin1"));
      }),
      { numRuns: 2000 },
    );
  });

  it("takes instances from the bottom and adds nothing for over-signed names", () => {
    const parsed = parseHeaderFields(Buffer.from("X-Dup: 1\r\nFrom: a\r\nx-dup:  2 \r\n", "latin1"));
    if ("problem" in parsed) throw new Error("bad block");
    const sig = sigField(" b=");
    const out = relaxedHeaderHashInput(parsed.fields, ["x-dup", "from", "x-dup", "x-dup"], sig);
    expect(out.toString("latin1")).toBe("x-dup:2\r\nfrom:a\r\nx-dup:1\r\ndkim-signature:b=");
  });
});
