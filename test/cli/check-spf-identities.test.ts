/**
 * check-spf: which identity each result is for (pyspf#46, libspf2#56), address-literal HELOs,
 * client IPs the checker cannot use, and --dual-stack-voids (pyspf#40) from the command line.
 */
import { describe, expect, it } from "@jest/globals";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { runCli } from "../helpers/cli.js";

const ZONE: ZoneData = {
  "example.com": { TXT: ["v=spf1 ip4:192.0.2.0/24 -all"] },
  "mx.example.org": { TXT: ["v=spf1 a -all"], A: ["192.0.2.10"] },
  "v4only.example": {
    TXT: ["v=spf1 a:h1.v4only.example a:h2.v4only.example a:h3.v4only.example -all"],
  },
  "h1.v4only.example": { A: ["192.0.2.1"] },
  "h2.v4only.example": { A: ["192.0.2.2"] },
  "h3.v4only.example": { A: ["192.0.2.3"] },
};
const resolver = staticResolver(ZONE);
const run = (args: string[], input?: string) =>
  runCli(["check-spf", "--receiver", "mx.test", ...args], { resolver, input });

describe("check-spf says which identities it checked", () => {
  it("notes a HELO that was given but not checked, and not when it was", async () => {
    const mfrom = await run(["--ip", "192.0.2.10", "--sender", "a@example.com", "--helo", "mx.example.org"]);
    expect(mfrom.code).toBe(0);
    expect(mfrom.stdout).toContain("SPF pass for MAIL FROM a@example.com");
    expect(mfrom.stdout).toContain(
      "HELO mx.example.org was not checked as an identity (--scope both checks it too).",
    );
    const both = await run([
      ...["--ip", "192.0.2.10", "--sender", "a@example.com", "--helo", "mx.example.org"],
      ...["--scope", "both"],
    ]);
    expect(both.stdout).toContain("SPF pass for HELO mx.example.org");
    expect(both.stdout).not.toContain("was not checked");
    const nullSender = await run(["--ip", "192.0.2.10", "--sender", "", "--helo", "mx.example.org"]);
    expect(nullSender.stdout).toContain("MAIL FROM <> (checked as postmaster@mx.example.org)");
    expect(nullSender.stdout).not.toContain("was not checked");
  });

  it("the HELO identity's Received-SPF shows the real MAIL FROM as envelope-from (RFC 7208 §9.1)", async () => {
    const r = await run([
      ...["--ip", "192.0.2.10", "--sender", "a@example.com", "--helo", "mx.example.org"],
      ...["--scope", "both", "--json"],
    ]);
    const out = JSON.parse(r.stdout) as { headers: { receivedSpf: string[] } };
    expect(out.headers.receivedSpf[0]).toMatch(/envelope-from="a@example.com"; .*identity=helo;/);
    expect(out.headers.receivedSpf[1]).toMatch(/envelope-from="a@example.com"; .*identity=mailfrom;/);
  });

  it("an address-literal HELO gives none with the reason (RFC 7208 §4.3)", async () => {
    const r = await run(["--ip", "192.0.2.10", "--helo", "[192.0.2.10]", "--scope", "helo"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('"[192.0.2.10]" is an address literal, not a domain name (RFC 7208 §4.3)');
  });
});

describe("check-spf client IPs", () => {
  it.each([["fe80::1%eth0"], ["192.0.2.010"], ["::ffff:192.0.2.300"]])(
    "%s is bad input (exit 2, one line), not a permerror",
    async (ip) => {
      const r = await run(["--ip", ip, "--sender", "a@example.com"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toEqual([`spfdk: --ip: "${ip}" is not an IPv4 or IPv6 address`]);
    },
  );
});

describe("check-spf --receiver", () => {
  it("must be a host name, since it becomes the authserv-id of Authentication-Results", async () => {
    const r = await run(["--ip", "192.0.2.10", "--sender", "a@example.com", "--receiver", "mx; spf=pass"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain('--receiver: "mx; spf=pass" has an invalid label');
  });
});

describe("check-spf --dual-stack-voids", () => {
  const v6 = ["--ip", "2001:db8::99", "--sender", "a@v4only.example"];

  it("without it, an IPv6 client on IPv4-only hosts hits the void limit, and --trace says why", async () => {
    const r = await run([...v6, "--trace"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("[VOID_LIMIT]");
    expect(r.stdout).toContain(
      "if h1.v4only.example is an IPv4-only host, --dual-stack-voids does not count",
    );
  });

  it("with it, those names are not void and the record's answer stands", async () => {
    const r = await run([...v6, "--dual-stack-voids", "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { results: { result: string; voidLookups: number }[] };
    expect(out.results).toMatchObject([{ result: "fail", voidLookups: 0 }]);
  });

  it("applies to --batch too", async () => {
    const line = JSON.stringify({ ip: "2001:db8::99", sender: "a@v4only.example" });
    const plain = await run(["--batch", "-"], line);
    const dual = await run(["--batch", "-", "--dual-stack-voids"], line);
    const result = (s: string) => (JSON.parse(s) as { results: { result: string }[] }).results[0]!.result;
    expect([result(plain.stdout), result(dual.stdout)]).toEqual(["permerror", "fail"]);
  });
});

describe("check-spf --batch input shapes", () => {
  it("names a field of the wrong type instead of calling it missing", async () => {
    const input = [
      JSON.stringify({ ip: 1, sender: "a@example.com" }),
      JSON.stringify({ ip: "192.0.2.10", sender: 7 }),
      JSON.stringify({ ip: "192.0.2.10" }),
    ].join("\n");
    const r = await run(["--batch", "-"], input);
    expect(r.code).toBe(2);
    expect(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { error: string }).error),
    ).toEqual([
      "ip must be a string",
      "sender must be a string",
      'sender is required (the MAIL FROM address; "" for <>)',
    ]);
  });

  it("--trace with --batch is a usage error (exit 2, one line)", async () => {
    const r = await run(["--batch", "-", "--trace"], "");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      "spfdk: --trace shows one check; it does not combine with --batch",
    ]);
  });
});
