/**
 * verifyMessage plumbing: DomainKeys outcomes come through src/domainkeys beside the DKIM ones
 * (the DomainKeys vectors, --legacy), LF input is read as CRLF, and the verdict rules hold.
 */
import { describe, expect, it } from "@jest/globals";
import { authenticationResults, verdictOf } from "../../src/dkim/results.js";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import {
  loadVectors,
  manifestWord,
  vectorBytes,
  vectorResolver,
  describeVectors,
} from "./vectors-support.js";

const dkVectors = loadVectors().filter((v) => v.type === "domainkeys" && !v.skip_reason);

describeVectors("DomainKey-Signature fields are verified through src/domainkeys", () => {
  it.each(dkVectors.map((v) => [v.file, v] as const))("%s", async (_f, v) => {
    const r = await verifyMessage([vectorBytes(v.file)], {
      resolver: vectorResolver(v.dns),
      legacy: true,
      now: new Date(),
    });
    if (r.kind !== "ok") throw new Error("not a message");
    expect(r.dkim).toEqual([]);
    const words = r.domainKeys.map((o) => manifestWord(o.result));
    expect(words.includes("pass") ? "pass" : words.includes("fail") ? "fail" : "invalid").toBe(v.expect);
  });
});

describe("verdictOf (RFC 6376 §6.1; docs/verify.md exit codes)", () => {
  const o = (result: string, domain = "example.com") => ({ result, domain });
  it.each([
    [[], "none"],
    [[o("fail"), o("pass")], "pass"],
    [[o("permerror"), o("temperror")], "temperror"],
    [[o("permerror"), o("permerror")], "permerror"],
    [[o("permerror"), o("fail")], "fail"],
  ] as const)("%j -> %s", (outcomes, verdict) => {
    expect(verdictOf(outcomes)).toBe(verdict);
  });
  it("--require: only that domain's pass counts", () => {
    expect(verdictOf([o("pass", "other.example")], "example.com")).toBe("fail");
    expect(verdictOf([o("pass", "Example.COM.")], "example.com")).toBe("pass");
  });
});

it("an unsigned message renders as dkim=none", () => {
  expect(authenticationResults("mx.example.net", [])).toBe(
    "Authentication-Results: mx.example.net;\r\n\tdkim=none",
  );
});

describeVectors("LF input", () =>
  it("is read as CRLF: the LF copy of RFC 8463 A.3 passes", async () => {
    const v = loadVectors().find((x) => x.file === "variants/rfc8463-signed-LF.eml");
    if (!v) throw new Error("variants/rfc8463-signed-LF.eml is missing from the manifest");
    const r = await verifyMessage([vectorBytes(v.file)], {
      resolver: vectorResolver(v.dns),
      legacy: false,
      now: new Date(),
    });
    expect(r.kind === "ok" && [r.lineEnding, ...r.dkim.map((d) => d.result)]).toEqual(["LF", "pass", "pass"]);
  }),
);
