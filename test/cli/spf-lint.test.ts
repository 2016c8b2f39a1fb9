import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { startDnsServer, type DnsServer } from "../helpers/dns-server.js";
import { runCli } from "../helpers/cli.js";

const ZONE: ZoneData = {
  "example.com": { TXT: ["v=spf1 include:_spf.example.net ptr ~all"] },
  "_spf.example.net": { TXT: ["v=spf1 ip4:198.51.100.0/24 a -all"], A: ["198.51.100.7"] },
  "clean.example": { TXT: ["v=spf1 ip4:192.0.2.0/24 -all"] },
  "big.example": {
    TXT: ["v=spf1 " + Array.from({ length: 12 }, (_, i) => `include:i${i}.example`).join(" ") + " -all"],
  },
  "flaky.example": "SERVFAIL",
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`i${i}.example`, { TXT: ["v=spf1 -all"] }])),
};
const resolver = staticResolver(ZONE);

describe("spfdk spf-lint", () => {
  it("exits 0 for a clean record", async () => {
    const r = await runCli(["spf-lint", "clean.example"], { resolver });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No problems found.");
    expect(r.stdout).toContain("DNS lookups: 0/10   void lookups: 0/2");
  });

  it("exits 1 with warnings, and shows the tree with counts per branch", async () => {
    const r = await runCli(["spf-lint", "example.com"], { resolver });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("example.com  [lookups: 2 here, 3 in this branch; voids 0]");
    expect(r.stdout).toContain(
      "└─ include:_spf.example.net -> _spf.example.net  [lookups: 1 here, 1 in this branch; voids 0, IPv6 clients: 1]",
    );
    expect(r.stdout).toContain("warning PTR ");
  });

  it("exits 4 over the limit, counting past 10, and --json carries the tree", async () => {
    const r = await runCli(["spf-lint", "big.example", "--json"], { resolver });
    expect(r.code).toBe(4);
    const j = JSON.parse(r.stdout) as {
      totalLookups: number;
      verdict: string;
      tree: { children: unknown[] };
    };
    expect(j).toMatchObject({ totalLookups: 12, verdict: "error" });
    expect(j.tree.children).toHaveLength(12);
    const t = await runCli(["spf-lint", "big.example"], { resolver });
    expect(t.stdout).toContain("DNS lookups: 12/10 (2 over the limit)");
  });

  it("exits 3 when DNS fails", async () => {
    expect((await runCli(["spf-lint", "flaky.example"], { resolver })).code).toBe(3);
  });

  it("exits 2 with one line for a bad domain", async () => {
    const r = await runCli(["spf-lint", "not a domain"], { resolver });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  describe("over the loopback DNS server and --zone", () => {
    let server: DnsServer;
    beforeAll(async () => {
      server = await startDnsServer(ZONE);
    });
    afterAll(async () => server.close());

    it("gives the same report through --dns", async () => {
      const wire = await runCli(["spf-lint", "example.com", "--dns", server.spec, "--json"]);
      const mem = await runCli(["spf-lint", "example.com", "--json"], { resolver });
      expect(wire.code).toBe(1);
      expect(JSON.parse(wire.stdout)).toEqual(JSON.parse(mem.stdout));
    });

    it("reads --zone", async () => {
      const dir = mkdtempSync(join(tmpdir(), "spfdk-lint-"));
      const file = join(dir, "z.zone");
      writeFileSync(
        file,
        '$ORIGIN example.org.\n@ 300 IN TXT "v=spf1 mx ?all"\n@ 300 IN MX 10 mail.example.org.\n',
      );
      const r = await runCli(["spf-lint", "example.org", "--zone", file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("NEUTRAL_ALL");
    });
  });
});
