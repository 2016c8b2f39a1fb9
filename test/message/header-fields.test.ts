import { describe, expect, it } from "@jest/globals";
import { lfToCrlf, parseHeaderFields, unfoldedValue } from "../../src/message/header-fields.js";

const parse = (s: string) => {
  const r = parseHeaderFields(Buffer.from(s, "latin1"));
  if ("problem" in r) throw new Error(JSON.stringify(r.problem));
  return r.fields;
};

describe("parseHeaderFields", () => {
  it("keeps each field's exact bytes, folding included", () => {
    const f = parse("From: a@example.com\r\nSubject: hello\r\n  world\r\nX-Empty:\r\n");
    expect(f.map((x) => x.name)).toEqual(["From", "Subject", "X-Empty"]);
    expect(f[1]!.raw.toString()).toBe("Subject: hello\r\n  world");
    expect(unfoldedValue(f[1]!)).toBe(" hello  world");
    expect(f[2]!.value.length).toBe(0);
  });
  it("keeps white space before the colon out of the name", () => {
    const f = parse("Subject \t: x\r\n");
    expect(f[0]!.name).toBe("Subject");
    expect(f[0]!.key).toBe("subject");
  });
  it("reports a line without a colon", () => {
    expect(parseHeaderFields(Buffer.from("From: a\r\nnonsense\r\n"))).toEqual({
      problem: { kind: "no-colon", line: 2 },
    });
  });
  it("reports a block that starts with a continuation line", () => {
    expect(parseHeaderFields(Buffer.from(" x: y\r\n"))).toEqual({
      problem: { kind: "starts-with-continuation" },
    });
  });
});

describe("lfToCrlf", () => {
  it.each([
    ["a\nb\n", "a\r\nb\r\n"],
    ["a\r\nb\n", "a\r\nb\r\n"],
    ["\n", "\r\n"],
    ["none", "none"],
  ])("%j becomes %j", (input, expected) => {
    expect(lfToCrlf(Buffer.from(input)).toString()).toBe(expected);
  });
});
