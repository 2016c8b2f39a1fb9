import { describe, expect, it } from "@jest/globals";
import { renderTemplate } from "../../src/postfix/template.js";

describe("renderTemplate", () => {
  const input = { values: { host: "127.0.0.1", port: "10025" }, flags: { sasl: true, tls: false } };
  it.each([
    ["a={{host}}:{{port}}", "a=127.0.0.1:10025"],
    ["{{?sasl}}  -o x=yes\nnext", "  -o x=yes\nnext"],
    ["{{?tls}}  -o y=yes\nnext", "next"],
    ["no markup", "no markup"],
  ])("renders %j", (template, expected) => {
    expect(renderTemplate(template, input)).toBe(expected);
  });
  it.each([
    ["{{nope}}", "unknown placeholder {{nope}}"],
    ["{{?nope}}x", "unknown flag {{?nope}}"],
  ])("refuses %j", (template, message) => {
    expect(() => renderTemplate(template, input, "t.cf")).toThrow(`t.cf: ${message}`);
  });
});
