import { describe, expect, it } from "@jest/globals";
import { firstAddress, selectSignedFields, sendingIdentity } from "../../src/domainkeys/index.js";
import { parseHeaderFields, type HeaderField } from "../../src/message/header-fields.js";

function fields(text: string): HeaderField[] {
  const r = parseHeaderFields(Buffer.from(text));
  if ("problem" in r) throw new Error(JSON.stringify(r.problem));
  return r.fields;
}
const below = fields("Received: r1\r\nFrom: f\r\nTo: t\r\nReceived: r2\r\nSubject: s\r\n");
const raw = (list: HeaderField[]) => list.map((f) => f.raw.toString());

describe("selectSignedFields (h=, RFC 4870 §3.3)", () => {
  it.each([
    [
      "no h=: every field below, in message order",
      null,
      ["Received: r1", "From: f", "To: t", "Received: r2", "Subject: s"],
    ],
    ["empty h= list: the same", [], ["Received: r1", "From: f", "To: t", "Received: r2", "Subject: s"]],
    ["h= picks fields", ["from", "subject"], ["From: f", "Subject: s"]],
    ["output follows h= order", ["subject", "from"], ["Subject: s", "From: f"]],
    ["a name listed once brings all its instances", ["received"], ["Received: r1", "Received: r2"]],
    [
      "listed twice: the later listing takes the bottom one",
      ["received", "received"],
      ["Received: r1", "Received: r2"],
    ],
    ["names in h= without a field add nothing", ["foobar", "from", "barnone"], ["From: f"]],
    ["names compare case-insensitively", ["FROM", "To"], ["From: f", "To: t"]],
  ] as const)("%s", (_why, names, expected) => {
    expect(raw(selectSignedFields(below, names === null ? null : [...names]))).toEqual(expected);
  });
  it("with three instances listed twice, the last listing takes the bottom one and the first the rest", () => {
    const three = fields("X: 1\r\nX: 2\r\nX: 3\r\n");
    expect(raw(selectSignedFields(three, ["x", "from", "x"]))).toEqual(["X: 1", "X: 2", "X: 3"]);
    expect(raw(selectSignedFields(three, ["from", "x", "x"]))).toEqual(["X: 1", "X: 2", "X: 3"]);
    expect(raw(selectSignedFields([...three, ...fields("From: f\r\n")], ["x", "from", "x"]))).toEqual([
      "X: 1",
      "X: 2",
      "From: f",
      "X: 3",
    ]);
  });
});

describe("sendingIdentity (RFC 4870 §3.3 d=)", () => {
  it("uses Sender: when it is signed", () => {
    const f = fields("From: A <a@example.com>\r\nSender: B <b@example.org>\r\n");
    expect(sendingIdentity(f)).toEqual({ address: "b@example.org", source: "sender" });
  });
  it("falls back to From: when Sender: is not among the signed fields", () => {
    const f = fields("From: A <a@example.com>\r\nSender: B <b@example.org>\r\n");
    expect(sendingIdentity(f.filter((x) => x.key === "from"))).toEqual({
      address: "a@example.com",
      source: "from",
    });
  });
  it("is null without an address", () => {
    expect(sendingIdentity(fields("Sender: evil doer\r\n"))).toBeNull();
    expect(sendingIdentity(fields("Subject: x\r\n"))).toBeNull();
  });
  it("reads a folded From:", () => {
    expect(sendingIdentity(fields("From: Alice\r\n <alice@example.org>\r\n"))?.address).toBe(
      "alice@example.org",
    );
  });
});

describe("firstAddress", () => {
  it.each([
    ["Jason Long <jlong@messiah.edu>", "jlong@messiah.edu"],
    ['"Long, Jason" <j@example.org>', "j@example.org"],
    ["j@example.org (Jason <not this>)", "j@example.org"],
    ["a@example.org, b@example.net", "a@example.org"],
    ['"a<b"@example.org', '"a<b"@example.org'],
    ["  <  x@example.org >  ", "x@example.org"],
    ["", null],
    ["(only a comment)", null],
  ])("%j -> %j", (value, expected) => {
    expect(firstAddress(value)).toBe(expected);
  });
});
