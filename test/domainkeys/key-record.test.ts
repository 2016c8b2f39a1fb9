import { describe, expect, it } from "@jest/globals";
import { granularityMatches, parseDkKeyRecord, parseTagList } from "../../src/domainkeys/index.js";
import { fixtureKey } from "./support.js";

const { p } = fixtureKey();

describe("parseDkKeyRecord (RFC 4870 §3.2.3)", () => {
  it("reads k=, p=, g=, t=y and n=", () => {
    const r = parseDkKeyRecord(`k=rsa; t=y; g=al*; n=A note; p=${p}`);
    if (!("key" in r)) throw new Error(JSON.stringify(r.problem));
    expect(r.key).toMatchObject({
      bits: 1024,
      granularity: "al*",
      testing: true,
      noSubdomains: false,
      notes: "A note",
    });
    expect(r.key.publicKey.asymmetricKeyType).toBe("rsa");
  });
  it("accepts p= split by white space (joined TXT strings, folding)", () => {
    const r = parseDkKeyRecord(`p=${p.slice(0, 100)} \t${p.slice(100)}`);
    expect("key" in r && r.key.granularity).toBeNull();
  });
  it.each([
    ["p=", "revoked"],
    ["k=rsa; p= ;", "revoked"],
    ["k=rsa", "missing p= tag"],
    ["k=ed25519; p=AAAA", "unsupported key type k=ed25519"],
    ["v=DKIM2; p=AAAA", "unsupported key record version v=DKIM2"],
    ["h=sha256; p=AAAA", "does not allow sha1"],
    ["s=other; p=AAAA", "is not for email"],
    ["p=!!!", "p= is not base64"],
    ["p=AAAA", "p= is not a public key"],
    ["p=AAAA; p=BBBB", "appears twice"],
    ["garbage", 'has no "="'],
  ])("%j -> %s", (txt, why) => {
    const r = parseDkKeyRecord(txt);
    if ("key" in r) throw new Error("expected a problem");
    expect(r.problem.kind === "revoked" ? "revoked" : r.problem.detail).toContain(why);
  });
  it("accepts the DKIM tags a shared record carries (v=DKIM1, s=email, h=sha1:sha256, t=s)", () => {
    const r = parseDkKeyRecord(`v=DKIM1; h=sha1:sha256; s=email; t=s:y; p=${p}`);
    expect("key" in r && r.key.noSubdomains && r.key.testing).toBe(true);
  });
});

describe("granularityMatches (g=)", () => {
  it.each([
    [null, "anyone@example.org", true],
    ["", "anyone@example.org", true], // empty g= constrains nothing (RFC 4870; corpus good_dk_5)
    ["alice", "alice@example.org", true],
    ["alice", "Alice@example.org", false], // case-sensitive
    ["alice", "alicex@example.org", false],
    ["jl*g", "jlong@example.org", true], // corpus good_dk_3
    ["jl*g", "jlon@example.org", false],
    ["*", "x@example.org", true],
    ["ab*ba", "aba@example.org", false], // prefix and suffix must not overlap
  ])("g=%j, identity %s -> %s", (g, identity, ok) => {
    expect(granularityMatches(g, identity)).toBe(ok);
  });
});

describe("parseTagList", () => {
  it("trims FWS around names and values and skips an empty last part", () => {
    const r = parseTagList(" a = rsa-sha1 ;\r\n\ts=\r\n\tsel ; ");
    expect("tags" in r && Object.fromEntries(r.tags)).toEqual({ a: "rsa-sha1", s: "sel" });
  });
  it("rejects a bad tag name", () => {
    expect(parseTagList("1x=y")).toEqual({ problem: 'bad tag name "1x"' });
  });
});
