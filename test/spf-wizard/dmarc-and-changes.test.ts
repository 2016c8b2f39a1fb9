import { describe, expect, it } from "@jest/globals";
import { buildDmarcRecord, reportAddressProblem } from "../../src/dmarc/record-builder.js";
import { zone } from "../../src/dns/static-resolver.js";
import { compareWithPublished } from "../../src/spf/record-builder-changes.js";

describe("buildDmarcRecord", () => {
  it.each([
    [{ policy: "none", rua: ["dmarc@example.com"] }, "v=DMARC1; p=none; rua=mailto:dmarc@example.com"],
    [{ policy: "reject", rua: [] }, "v=DMARC1; p=reject"],
    [
      { policy: "quarantine", rua: ["mailto:a@example.com", "b@reports.example.com", "a@example.com"] },
      "v=DMARC1; p=quarantine; rua=mailto:a@example.com,mailto:b@reports.example.com",
    ],
  ] as const)("%j", (p, value) => {
    const d = buildDmarcRecord({ domain: "Example.COM.", policy: p.policy, rua: [...p.rua] });
    expect(d.name).toBe("_dmarc.example.com.");
    expect(d.value).toBe(value);
    expect(d.problems).toEqual([]);
  });

  it("warns about reports to another domain (RFC 7489 §7.1)", () => {
    const d = buildDmarcRecord({ domain: "example.com", policy: "none", rua: ["x@example.org"] });
    expect(d.warnings.join("\n")).toContain("example.com._report._dmarc.example.org");
  });

  it("warns about p=none without reports", () => {
    const d = buildDmarcRecord({ domain: "example.com", policy: "none", rua: [] });
    expect(d.warnings.join("\n")).toMatch(/collects no reports/);
  });

  it.each([
    ["dmarc@example.com", null],
    ["mailto:dmarc@example.com", null],
    ["no-at-sign", "not a mail address"],
    ["a,b@example.com", "cannot carry"],
    ["x@bad..example", "the domain has an empty label"],
  ])("report address %s", (a, expected) => {
    const p = reportAddressProblem(a);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toContain(expected);
    const d = buildDmarcRecord({ domain: "example.com", policy: "none", rua: [a] });
    expect(d.problems.length).toBe(expected === null ? 0 : 1);
  });
});

describe("compareWithPublished", () => {
  const resolver = zone({
    "example.com": { TXT: ["google-site-verification=abc", "v=spf1 mx -all"] },
    "same.example": { TXT: ["v=spf1  mx ~all"] },
    "mail._domainkey.example.com": { TXT: [["v=DKIM1; k=rsa; ", "p=AAAA"]] },
    "_dmarc.example.com": { TXT: ["v=DMARC1; p=none"] },
    "flaky.example": "SERVFAIL",
  });

  it("classifies each planned record", async () => {
    const changes = await compareWithPublished(
      [
        { kind: "spf", name: "example.com.", value: "v=spf1 mx ~all" },
        { kind: "spf", name: "same.example.", value: "v=spf1 mx ~all" },
        { kind: "spf", name: "new.example.", value: "v=spf1 mx ~all" },
        { kind: "dkim", name: "mail._domainkey.example.com.", value: "v=DKIM1; k=rsa; p=AAAA" },
        { kind: "dmarc", name: "_dmarc.example.com.", value: "v=DMARC1; p=reject" },
        { kind: "spf", name: "flaky.example.", value: "v=spf1 -all" },
      ],
      { resolver },
    );
    expect(changes).toEqual([
      { status: "replaces", current: ["v=spf1 mx -all"] },
      { status: "unchanged" },
      { status: "new" },
      { status: "unchanged" },
      { status: "replaces", current: ["v=DMARC1; p=none"] },
      { status: "unknown", detail: expect.any(String) },
    ]);
  });
});
