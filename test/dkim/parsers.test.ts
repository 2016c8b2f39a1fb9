/** Tag-lists, key records, DKIM-Signature tags and header canonicalization: one row per rule. */
import { describe, expect, it } from "@jest/globals";
import { canonicalizeHeader } from "../../src/dkim/canonicalize.js";
import { parseKeyRecord } from "../../src/dkim/key-record-parse.js";
import { encodeDkimQuotedPrintable } from "../../src/dkim/sign.js";
import { decodeDkimQuotedPrintable, headerHashInput, parseDkimSignature } from "../../src/dkim/signature.js";
import { parseTagList } from "../../src/dkim/tag-list.js";
import { parseHeaderFields, type HeaderField } from "../../src/message/header-fields.js";
import { pOf } from "./fixtures.js";

const fields = (s: string): HeaderField[] => {
  const r = parseHeaderFields(Buffer.from(s, "latin1"));
  if ("problem" in r) throw new Error("bad header");
  return r.fields;
};

describe("parseTagList (RFC 6376 §3.2)", () => {
  it.each([
    ["v=1; a=rsa-sha256", { v: "1", a: "rsa-sha256" }],
    [" t = y:n:extra ;x1 = extra ; ", { t: "y:n:extra", x1: "extra" }],
    ["b=abc\r\n def;", { b: "abc\r\n def" }],
    ["", {}],
  ])("%j", (text, want) => {
    const r = parseTagList(text);
    if ("problem" in r) throw new Error(JSON.stringify(r.problem));
    expect(Object.fromEntries(r.tags.map((t) => [t.name, t.value]))).toEqual(want);
  });
  it.each([
    ["a=1; a=2", { kind: "duplicate", tag: "a" }],
    ["k=rsa; t; p=x", { kind: "syntax" }],
    ["1a=x", { kind: "syntax" }],
  ])("%j is a problem", (text, problem) => {
    expect(parseTagList(text)).toMatchObject({ problem });
  });
});

describe("parseKeyRecord (RFC 6376 §3.6.1, RFC 8463 §4)", () => {
  const rsa = pOf("rsa2048.pem");
  it.each([
    [`v=DKIM1; k=rsa; p=${rsa}`, { keyType: "rsa", bits: 2048, revoked: false, testing: false }],
    [`p=${rsa}`, { keyType: "rsa", version: null }],
    [`v=DKIM1; t=y:s; p=${rsa}`, { testing: true, strictIdentity: true }],
    [`v=DKIM1; h=sha1:sha256; s=email; p=${rsa}`, { hashes: ["sha1", "sha256"], serviceTypes: ["email"] }],
    ["v=DKIM1; p=", { revoked: true, key: null }],
    [`v=DKIM1; k=ed25519; p=${pOf("ed25519.pem")}`, { keyType: "ed25519", bits: 256 }],
    [`v=DKIM1; p=${rsa.slice(0, 100)} ${rsa.slice(100)}`, { bits: 2048 }],
  ])("%s", (txt, want) => {
    const r = parseKeyRecord(txt);
    if ("problem" in r) throw new Error(r.problem.reason);
    expect(r.record).toMatchObject(want);
  });
  it.each([
    [`k=rsa; v=DKIM1; p=${rsa}`, "v"],
    [`v=DKIM2; p=${rsa}`, "v"],
    [`v=DKIM1; k=dsa; p=${rsa}`, "k"],
    [`v=DKIM1; s=chat; p=${rsa}`, "s"],
    ["v=DKIM1; k=rsa", "p"],
    ["v=DKIM1; p=!!!", "p"],
    ["v=DKIM1; p=AAAA", "p"],
    ["v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE=", "p"],
  ])("%s is a problem with %s", (txt, tag) => {
    expect(parseKeyRecord(txt)).toMatchObject({ problem: { tag } });
  });
  it("a bare PKCS#1 RSAPublicKey is accepted with a warning", () => {
    const spki = Buffer.from(rsa, "base64");
    // SPKI = SEQUENCE { algorithm, BIT STRING { RSAPublicKey } }: the RSAPublicKey starts after 24 octets for 2048 bits.
    const pkcs1 = spki.subarray(24).toString("base64");
    const r = parseKeyRecord(`v=DKIM1; p=${pkcs1}`);
    if ("problem" in r) throw new Error(r.problem.reason);
    expect(r.record.warnings.join()).toMatch(/PKCS#1/);
    expect(r.record.bits).toBe(2048);
  });
});

describe("parseDkimSignature (RFC 6376 §3.5)", () => {
  const sig = (tags: string, legacy = false) =>
    parseDkimSignature(fields(`DKIM-Signature: ${tags}\r\n`)[0]!, { legacy });
  const base = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; bh=AAAA; b=AAAA";
  it.each([
    [
      base,
      { headerCanon: "simple", bodyCanon: "simple", identity: "@example.com", signedHeaders: ["from", "to"] },
    ],
    [`${base}; c=relaxed`, { headerCanon: "relaxed", bodyCanon: "simple" }],
    [`${base}; c=simple/relaxed`, { headerCanon: "simple", bodyCanon: "relaxed" }],
    [`${base}; i==6Aoe@sub.example.com`, { identity: "joe@sub.example.com" }],
    [`${base}; l=0; t=10; x=20`, { length: 0, timestamp: 10, expiration: 20 }],
    [
      "v=1; a=rsa-sha256; d=example.com; s=sel; h=From\r\n\t: To; bh=AAAA; b=AA\r\n AA",
      { signedHeaders: ["from", "to"] },
    ],
  ])("%j", (tags, want) => {
    const r = sig(tags);
    if ("problem" in r) throw new Error(r.problem.reason);
    expect(r.signature).toMatchObject(want);
  });
  it.each([
    [`${base}; v=1`, "v"],
    [base.replace("v=1", "v=2"), "v"],
    [base.replace("v=1; ", ""), "v"],
    [base.replace("a=rsa-sha256", "a=rsa-md5"), "a"],
    [base.replace("a=rsa-sha256", "a=constructor"), "a"],
    [base.replace("a=rsa-sha256", "a=__proto__"), "a"],
    [base.replace("a=rsa-sha256", "a=toString"), "a"],
    [base.replace("h=from:to", "h=to:subject"), "h"],
    [`${base}; c=fancy/simple`, "c"],
    [`${base}; q=http`, "q"],
    [`${base}; i=joe@example.org`, "i"],
    [`${base}; t=20; x=10`, "x"],
    [`${base}; l=ten`, "l"],
    [base.replace("bh=AAAA; ", ""), "bh"],
    [base.replace("d=example.com", "d=-example.com"), "d"],
    [base.replace("d=example.com", "d=example..com"), "d"],
    [base.replace("s=sel", "s=sel/../x"), "s"],
    [base.replace("s=sel", "s=sel."), "s"],
  ])("%j is a permerror on %s", (tags, tag) => {
    expect(sig(tags)).toMatchObject({ problem: { tag } });
  });
  it("--legacy accepts a draft signature without v=", () => {
    expect("signature" in sig(base.replace("v=1; ", ""), true)).toBe(true);
  });
  it("hashes the signature with its b= value removed, everything else kept", () => {
    const r = sig("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AB\r\n CD; x1=y");
    if ("problem" in r) throw new Error(r.problem.reason);
    expect(r.signature.fieldWithoutB.raw.toString()).toBe(
      "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=; x1=y",
    );
  });
});

describe("header canonicalization and selection (RFC 6376 §3.4.1, §3.4.2, §5.4.2)", () => {
  const f = fields("SubJect \t:  Hello \r\n\t World  \r\nFrom: a\r\nX: 1\r\nX: 2\r\n");
  it("relaxed: lower-case name, unfold, one SP, no WSP around the colon or at the end", () => {
    expect(canonicalizeHeader(f[0]!, "relaxed").toString()).toBe("subject:Hello World\r\n");
  });
  it("simple: unchanged", () => {
    expect(canonicalizeHeader(f[0]!, "simple").toString()).toBe("SubJect \t:  Hello \r\n\t World  \r\n");
  });
  it("takes instances bottom-up and adds nothing for names used up or absent", () => {
    const sigField = fields("DKIM-Signature: b=\r\n")[0]!;
    const data = headerHashInput(f, ["x", "x", "x", "missing", "from"], "relaxed", sigField).toString();
    expect(data).toBe("x:2\r\nx:1\r\nfrom:a\r\ndkim-signature:b=");
  });
});

describe("i= dkim-quoted-printable (RFC 6376 §2.11)", () => {
  it.each([
    ["joe@example.com", "joe@example.com"],
    ["a;b=c@example.com", "a=3Bb=3Dc@example.com"],
    ["jörg@example.com", "j=C3=B6rg@example.com"],
  ])("%s is written as %s and reads back", (identity, encoded) => {
    expect(encodeDkimQuotedPrintable(identity)).toBe(encoded);
    expect(Buffer.from(decodeDkimQuotedPrintable(encoded), "latin1").toString("utf8")).toBe(identity);
  });
});
