import { describe, expect, it } from "@jest/globals";
import {
  checked,
  choice,
  flag,
  flagName,
  integer,
  optionalString,
  parseFlagRules,
  stringOr,
} from "../../src/cli/flag-rules.js";

const RULES = {
  name: checked((v) => (v.includes(" ") ? "has a space" : null)),
  mode: choice(["a", "b", "c"], "a"),
  count: integer({ min: 1, max: 10, fallback: 5 }),
  limit: integer({ min: 0, max: 9, fallback: undefined, unit: "ms" }),
  note: optionalString,
  dir: stringOr("."),
  on: flag,
};

describe("parseFlagRules", () => {
  it("fills defaults and converts values", () => {
    expect(parseFlagRules(RULES, { name: "x", count: "7" })).toEqual({
      name: "x",
      mode: "a",
      count: 7,
      limit: undefined,
      note: undefined,
      dir: ".",
      on: false,
    });
  });
  it.each([
    [{ name: "a b" }, '--name: "a b" has a space'],
    [{}, "--name: is required"],
    [{ name: "x", mode: "z" }, "--mode: must be a, b or c"],
    [{ name: "x", count: "0" }, "--count: must be at least 1"],
    [{ name: "x", count: "11" }, "--count: must be at most 10"],
    [{ name: "x", count: "1.5" }, "--count: must be a whole number"],
    [{ name: "x", limit: "lots" }, "--limit: must be a whole number of ms"],
  ])("%j -> %s", (raw, message) => {
    expect(() => parseFlagRules(RULES, raw)).toThrow(message);
  });
  it("names camel-case flags as the user types them", () => {
    expect(flagName("voidLimit")).toBe("--void-limit");
  });
});
