import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { startDnsServer, type DnsServer } from "../helpers/dns-server.js";
import { runCli } from "../helpers/cli.js";

const ZONE: ZoneData = {
  "example.com": { TXT: ["v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all exp=why.example.com"] },
  "why.example.com": { TXT: ["%{i} may not send for %{d}"] },
  "_spf.example.net": { TXT: ["v=spf1 a -all"], A: ["198.51.100.7"] },
  "soft.example": { TXT: ["v=spf1 ~all"] },
  "neutral.example": { TXT: ["v=spf1 ?all"] },
  "broken.example": { TXT: ["v=spf1 ip4:192.0.2.1 foo:bar -all"] },
  "two.example": { TXT: ["v=spf1 -all", "v=spf1 +all"] },
  "flaky.example": "SERVFAIL",
  "mx.example.org": { TXT: ["v=spf1 a -all"], A: ["203.0.113.77"] },
  "nospf.example": { TXT: ["google-site-verification=abc"] },
};
const resolver = staticResolver(ZONE);
const base = ["--receiver", "mx.test"];
const run = (args: string[], input?: string) => runCli(["check-spf", ...base, ...args], { resolver, input });

describe("spfdk check-spf: results and exit codes", () => {
  it.each([
    ["192.0.2.10", "a@example.com", "pass", 0],
    ["198.51.100.7", "a@example.com", "pass", 0],
    ["203.0.113.9", "a@example.com", "fail", 1],
    ["203.0.113.9", "a@soft.example", "softfail", 1],
    ["203.0.113.9", "a@neutral.example", "neutral", 1],
    ["203.0.113.9", "a@nospf.example", "none", 1],
    ["203.0.113.9", "a@flaky.example", "temperror", 3],
    ["203.0.113.9", "a@broken.example", "permerror", 4],
    ["203.0.113.9", "a@two.example", "permerror", 4],
  ] as const)("%s for %s gives %s (exit %i)", async (ip, sender, result, code) => {
    const r = await run(["--ip", ip, "--sender", sender, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(code);
    const out = JSON.parse(r.stdout) as { results: { result: string; identity: string }[] };
    expect(out.results.map((x) => [x.identity, x.result])).toEqual([["mfrom", result]]);
  });

  it("prints the matched term, its record, the explanation, counts and both header fields", async () => {
    const r = await run(["--ip", "203.0.113.9", "--sender", "a@example.com", "--helo", "mx.example.org"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("SPF fail for MAIL FROM a@example.com");
    expect(r.stdout).toContain(
      'matched:     -all  (in the record of example.com: "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all exp=why.example.com")',
    );
    expect(r.stdout).toContain("explanation: 203.0.113.9 may not send for example.com");
    expect(r.stdout).toContain("lookups:     2/10   void lookups: 0/2");
    expect(r.stdout).toContain(
      "Received-SPF: fail (mx.test: domain of a@example.com does not designate 203.0.113.9 as permitted sender) " +
        'client-ip=203.0.113.9; envelope-from="a@example.com"; helo=mx.example.org; receiver=mx.test; identity=mailfrom; mechanism=-all;',
    );
    expect(r.stdout).toContain("Authentication-Results: mx.test; spf=fail smtp.mailfrom=a@example.com");
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it.each([
    [
      "a@soft.example",
      "Received-SPF: softfail (mx.test: domain of a@soft.example does not designate 203.0.113.9 as permitted sender; softfail: transitioning) ",
    ],
    ["a@nospf.example", "Received-SPF: none (mx.test: nospf.example does not publish SPF: no-record) "],
  ])("writes a well-formed Received-SPF comment for %s", async (sender, expected) => {
    const r = await run(["--ip", "203.0.113.9", "--sender", sender]);
    expect(r.stdout).toContain(expected);
    expect(r.stdout).not.toMatch(/Received-SPF:.* {2}/);
  });

  it("points at the offending term of a permerror", async () => {
    const r = await run(["--ip", "192.0.2.1", "--sender", "a@broken.example"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(
      '[SYNTAX] syntax error in the record of broken.example: unknown mechanism "foo"',
    );
    expect(r.stdout).toContain("term:        foo:bar  (in the record of broken.example)");
    expect(r.stdout).toContain(
      "v=spf1 ip4:192.0.2.1 foo:bar -all\n" + " ".repeat(15) + " ".repeat(21) + "^^^^^^^",
    );
  });

  it("checks postmaster@HELO for the null sender, and says so", async () => {
    const r = await run(["--ip", "203.0.113.77", "--sender", "", "--helo", "mx.example.org"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("SPF pass for MAIL FROM <> (checked as postmaster@mx.example.org)");
  });

  it("--scope both checks HELO then MAIL FROM and exits with the highest code", async () => {
    const r = await run([
      "--ip",
      "203.0.113.77",
      "--sender",
      "a@example.com",
      "--helo",
      "mx.example.org",
      "--scope",
      "both",
      "--json",
    ]);
    const out = JSON.parse(r.stdout) as {
      results: { identity: string; result: string }[];
      headers: { authenticationResults: string };
    };
    expect(out.results.map((x) => `${x.identity}=${x.result}`)).toEqual(["helo=pass", "mfrom=fail"]);
    expect(out.headers.authenticationResults).toBe(
      "Authentication-Results: mx.test; spf=pass smtp.helo=mx.example.org; spf=fail smtp.mailfrom=a@example.com",
    );
    expect(r.code).toBe(1);
  });

  it("--trace shows each term, its DNS queries and answers, and the running counts", async () => {
    const r = await run(["--ip", "198.51.100.7", "--sender", "a@example.com", "--trace"]);
    expect(r.stdout).toContain('record example.com: "v=spf1 ip4:192.0.2.0/24');
    expect(r.stdout).toContain("term   include:_spf.example.net   [lookups 0/10, voids 0/2]");
    expect(r.stdout).toContain("      dns  A _spf.example.net -> 198.51.100.7");
    expect(r.stdout).toContain("=> a matched: pass");
    const j = await run(["--ip", "198.51.100.7", "--sender", "a@example.com", "--trace", "--json"]);
    const out = JSON.parse(j.stdout) as { trace: { kind: string; depth: number; text: string }[] };
    expect(out.trace.filter((e) => e.kind === "dns").map((e) => e.text)).toEqual([
      'TXT example.com -> "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all exp=why.example.com"',
      'TXT _spf.example.net -> "v=spf1 a -all"',
      "A _spf.example.net -> 198.51.100.7",
    ]);
  });
});

describe("spfdk check-spf: bad input exits 2 with one line", () => {
  it.each([
    [["--ip", "300.1.1.1", "--sender", "a@example.com"], "--ip:"],
    [["--ip", "192.0.2.1", "--sender", "nobody"], "has no @domain"],
    [["--ip", "192.0.2.1", "--sender", "a@exa mple.com"], "--sender:"],
    [["--ip", "192.0.2.1", "--sender", "a@example.com", "--helo", "bad helo!"], "--helo:"],
    [["--ip", "192.0.2.1", "--sender", ""], "--helo is required when MAIL FROM is empty"],
    [["--sender", "a@example.com"], "--ip is required"],
    [["--ip", "192.0.2.1", "--sender", "a@example.com", "--void-limit", "x"], "--void-limit:"],
    [["--ip", "192.0.2.1", "--sender", "a@example.com", "--scope", "all"], "--scope"],
  ])("%j", async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
  });
});

describe("spfdk check-spf --batch", () => {
  it("answers each line in order, one JSON line each, and reports malformed lines without stopping", async () => {
    const input = [
      '{"ip":"203.0.113.9","sender":"a@example.com"}',
      "not json",
      '{"ip":"192.0.2.10","sender":"a@example.com","helo":"mx.example.org"}',
      "",
      '{"ip":"1.2.3","sender":"a@example.com"}',
      '{"ip":"198.51.100.7","sender":"b@example.com"}',
    ].join("\n");
    const r = await run(["--batch", "-", "--concurrency", "3"], input);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 5, 6]);
    expect(
      lines.map((l) => ("error" in l ? "error" : (l.results as { result: string }[])[0]!.result)),
    ).toEqual(["fail", "error", "pass", "error", "pass"]);
    expect(lines[3]!.error).toContain('ip: "1.2.3" is not an IPv4 or IPv6 address');
    expect(r.code).toBe(2);
  });

  it("reads a file, and shares one DNS cache across the run", async () => {
    let queries = 0;
    const counting = {
      txt: (n: string) => (queries++, resolver.txt(n)),
      a: (n: string) => (queries++, resolver.a(n)),
      aaaa: (n: string) => (queries++, resolver.aaaa(n)),
      mx: (n: string) => (queries++, resolver.mx(n)),
      ptr: (n: string) => (queries++, resolver.ptr(n)),
    };
    const dir = mkdtempSync(join(tmpdir(), "spfdk-batch-"));
    const file = join(dir, "in.jsonl");
    writeFileSync(
      file,
      Array.from({ length: 20 }, (_, i) => `{"ip":"203.0.113.${i}","sender":"x${i}@example.com"}`).join("\n"),
    );
    const r = await runCli(["check-spf", ...base, "--batch", file], { resolver: counting });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(20);
    expect(queries).toBe(4); // TXT example.com, TXT _spf.example.net, A _spf.example.net, TXT why.example.com
  });
});

describe("spfdk check-spf over the loopback DNS server and with --zone", () => {
  let server: DnsServer;
  beforeAll(async () => {
    server = await startDnsServer(ZONE, { neverAnswer: ["silent.example"] });
  });
  afterAll(async () => server.close());

  it("gets the same answers through --dns as through the static resolver", async () => {
    for (const [ip, want] of [
      ["198.51.100.7", 0],
      ["203.0.113.9", 1],
    ] as const) {
      const r = await runCli([
        "check-spf",
        ...base,
        "--ip",
        ip,
        "--sender",
        "a@example.com",
        "--dns",
        server.spec,
        "--json",
      ]);
      expect(r.code).toBe(want);
    }
  });

  it("ends in temperror within the time budget when the server never answers", async () => {
    const t0 = Date.now();
    const r = await runCli([
      "check-spf",
      ...base,
      "--ip",
      "192.0.2.1",
      "--sender",
      "a@silent.example",
      "--dns",
      server.spec,
      "--timeout",
      "200",
      "--tries",
      "5",
      "--time-budget",
      "400",
      "--json",
    ]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).results[0].result).toBe("temperror");
    expect(Date.now() - t0).toBeLessThan(900);
  });

  it("reads a BIND-style zone file with --zone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spfdk-zone-"));
    const file = join(dir, "example.zone");
    writeFileSync(file, '$ORIGIN example.com.\n@ 300 IN TXT "v=spf1 ip6:2001:db8::/32 -all"\n');
    const ok = await runCli([
      "check-spf",
      ...base,
      "--ip",
      "2001:db8::25",
      "--sender",
      "a@example.com",
      "--zone",
      file,
    ]);
    expect(ok.code).toBe(0);
    const bad = await runCli([
      "check-spf",
      ...base,
      "--ip",
      "2001:db9::25",
      "--sender",
      "a@example.com",
      "--zone",
      file,
    ]);
    expect(bad.code).toBe(1);
  });
});
