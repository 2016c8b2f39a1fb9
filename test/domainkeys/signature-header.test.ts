import { describe, expect, it } from "@jest/globals";
import { formatDkSignature, parseDkSignature } from "../../src/domainkeys/index.js";
import { parseHeaderFields } from "../../src/message/header-fields.js";

function parse(value: string) {
  const r = parseHeaderFields(Buffer.from(`DomainKey-Signature:${value}\r\n`));
  if ("problem" in r) throw new Error(JSON.stringify(r.problem));
  return parseDkSignature(r.fields[0]!);
}

describe("parseDkSignature (RFC 4870 §3.3)", () => {
  it("reads the tags, lower-cases d= and strips FWS inside h= and b=", () => {
    const r = parse(
      " a=rsa-sha1; c=nofws; d=Example.ORG; h=from:to:\r\n\tsubject; q=dns; s=Sel; b=AAAA\r\n\tBBBB",
    );
    expect(r).toEqual({
      tags: {
        algorithm: "rsa-sha1",
        method: "nofws",
        domain: "example.org",
        selector: "Sel",
        headers: ["from", "to", "subject"],
        signature: Buffer.from("AAAABBBB", "base64"),
      },
    });
  });
  it("defaults: a= rsa-sha1, c= simple, q= dns, no h=", () => {
    const r = parse(" d=example.org; s=sel; b=AAAA");
    expect("tags" in r && [r.tags.algorithm, r.tags.method, r.tags.headers]).toEqual([
      "rsa-sha1",
      "simple",
      null,
    ]);
  });
  it.each([
    [" a=rsa-sha256; d=example.org; s=sel; q=dns; b=AAAA", "unsupported algorithm a=rsa-sha256"],
    [" c=relaxed; d=example.org; s=sel; q=dns; b=AAAA", "unsupported canonicalization c=relaxed"],
    [" q=; d=example.org; s=sel; b=AAAA", "unsupported query method q="], // corpus bad_dk_4
    [" q=bogus; d=example.org; s=sel; b=AAAA", "unsupported query method q=bogus"], // bad_dk_5
    [" s=sel; q=dns; b=AAAA", "missing d= tag"],
    [" d=example.org; q=dns; b=AAAA", "missing s= tag"],
    [" d=example.org; s=sel; q=dns", "missing b= tag"],
    [" d=example.org; s=sel; q=dns; b=", "missing b= tag"],
    [" d=example.org; s=sel; b=A!A", "b= is not base64"],
    [" d=exa mple.org; s=sel; b=AAAA", "has an invalid label"],
    [" d=example.org; d=example.org; s=sel; b=AAAA", "appears twice"],
  ])("%j -> %s", (value, why) => {
    const r = parse(value);
    expect("problem" in r && r.problem).toContain(why);
  });
  it("keeps d= and s= in a problem when they were read", () => {
    expect(parse(" q=x; d=example.org; s=sel; b=AAAA")).toMatchObject({
      domain: "example.org",
      selector: "sel",
    });
  });
});

describe("formatDkSignature", () => {
  const b = Buffer.alloc(256, 7).toString("base64");
  const headers = [
    "received",
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
  ];
  const field = formatDkSignature({ method: "nofws", domain: "example.org", selector: "dk2026", headers, b });
  it("writes the tags in Mail::DKIM's order (a, c, d, h, q, s, b)", () => {
    const unfolded = field.replace(/\r\n /g, " ");
    expect(
      unfolded.startsWith("DomainKey-Signature: a=rsa-sha1; c=nofws; d=example.org; h=received:from:to:"),
    ).toBe(true);
    expect(unfolded).toMatch(/; q=dns; s=dk2026; b=[A-Za-z0-9+/= ]+$/);
  });
  it("folds with CRLF SP under 78 columns and round-trips through the parser", () => {
    const lines = field.split("\r\n");
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(78);
    for (const l of lines.slice(1)) expect(l.startsWith(" ")).toBe(true);
    const r = parseHeaderFields(Buffer.from(`${field}\r\n`));
    if ("problem" in r) throw new Error("parse");
    const tags = parseDkSignature(r.fields[0]!);
    expect("tags" in tags && tags.tags.headers).toEqual(headers);
    expect("tags" in tags && tags.tags.signature.toString("base64")).toBe(b);
  });
  it("omits h= when no names are given and never splits a tag name", () => {
    const f = formatDkSignature({ method: "simple", domain: "example.org", selector: "s", headers: null, b });
    expect(f).not.toContain("h=");
    expect(f).toMatch(/(^|[ ;])b=/m);
  });
});
