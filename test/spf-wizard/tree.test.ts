import { describe, expect, it } from "@jest/globals";
import { zone } from "../../src/dns/static-resolver.js";
import { lintPlannedSpf } from "../../src/spf/record-builder-tree.js";

const many = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `a:${prefix}${i}.example.net`).join(" ");

describe("lintPlannedSpf: the planned record in its include tree", () => {
  const resolver = zone({
    // The currently published record must not matter: the planned one replaces it.
    "example.com": {
      TXT: ["v=spf1 include:big.example.net -all"],
      MX: [{ preference: 10, exchange: "mx.example.com" }],
    },
    "mx.example.com": { A: ["192.0.2.25"] },
    "_spf.example.net": { TXT: ["v=spf1 include:_spf2.example.net -all"] },
    "_spf2.example.net": { TXT: ["v=spf1 ip4:198.51.100.0/24 -all"] },
    "big.example.net": { TXT: [`v=spf1 ${many("h", 9)} -all`] },
    "ptr.example.net": { TXT: ["v=spf1 ptr -all"] },
    "flaky.example.net": "SERVFAIL",
  });

  it.each([
    ["v=spf1 mx include:_spf.example.net ~all", 3],
    ["v=spf1 ip4:192.0.2.0/24 -all", 0],
    ["v=spf1 mx include:big.example.net ~all", 11],
  ])("%s needs %d lookups in all", async (record, total) => {
    const t = await lintPlannedSpf("example.com", record, { resolver });
    expect(t.totalLookups).toBe(total);
    expect(t.problems.length).toBe(total > 10 ? 1 : 0);
  });

  it("names the tree's lookup count in the problem", async () => {
    const t = await lintPlannedSpf("example.com", "v=spf1 a mx include:big.example.net ~all", { resolver });
    expect(t.problems).toEqual([
      expect.stringMatching(/with its included records the domain needs 12 DNS lookups/),
    ]);
  });

  it("reports findings in included records, naming their domain", async () => {
    const t = await lintPlannedSpf(
      "example.com",
      "v=spf1 include:ptr.example.net include:flaky.example.net -all",
      {
        resolver,
      },
    );
    expect(t.warnings.join("\n")).toMatch(/in ptr\.example\.net's record: ptr is slow/);
    expect(t.warnings.join("\n")).toMatch(/in flaky\.example\.net's record: TXT flaky\.example\.net/);
  });
});
