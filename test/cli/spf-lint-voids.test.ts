/** spf-lint: void lookups per client address family (pyspf#40) and NXDOMAIN wording. */
import { describe, expect, it } from "@jest/globals";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { runCli } from "../helpers/cli.js";

const ZONE: ZoneData = {
  "v4only.example": {
    TXT: ["v=spf1 a:h1.v4only.example a:h2.v4only.example a:h3.v4only.example -all"],
  },
  "h1.v4only.example": { A: ["192.0.2.1"] },
  "h2.v4only.example": { A: ["192.0.2.2"] },
  "h3.v4only.example": { A: ["192.0.2.3"] },
  "dual.example": { TXT: ["v=spf1 a -all"], A: ["192.0.2.4"], AAAA: ["2001:db8::4"] },
  "gone.example": { TXT: ["v=spf1 include:nowhere.example -all"] },
};
const resolver = staticResolver(ZONE);

describe("spfdk spf-lint void lookups per address family", () => {
  it("shows IPv6 clients' voids per record and in total, and exits 4 for VOID_LIMIT_IPV6", async () => {
    const r = await runCli(["spf-lint", "v4only.example"], { resolver });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(
      "v4only.example  [lookups: 3 here, 3 in this branch; voids 0, IPv6 clients: 3]",
    );
    expect(r.stdout).toContain("void lookups: 0/2 (IPv4 clients: 0/2, IPv6 clients: 3/2)");
    expect(r.stdout).toMatch(
      /error {3}VOID_LIMIT_IPV6 +v4only\.example: 3 terms are void lookups for IPv6 clients/,
    );
    const j = JSON.parse((await runCli(["spf-lint", "v4only.example", "--json"], { resolver })).stdout) as {
      totalFamilyVoidLookups: unknown;
    };
    expect(j.totalFamilyVoidLookups).toEqual({ ipv4: 0, ipv6: 3 });
  });

  it("says nothing extra when both families see the same", async () => {
    const r = await runCli(["spf-lint", "dual.example"], { resolver });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("DNS lookups: 1/10   void lookups: 0/2\n");
    expect(r.stdout).not.toContain("clients");
  });

  it("says NXDOMAIN for an include target that does not exist", async () => {
    const r = await runCli(["spf-lint", "gone.example"], { resolver });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(
      "nowhere.example does not exist (NXDOMAIN) (a check reaching this include gives permerror)",
    );
  });
});
