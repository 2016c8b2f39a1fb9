import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { zone } from "../../src/dns/static-resolver.js";
import { runCli } from "../helpers/cli.js";

const FIXTURES = join(import.meta.dirname, "..", "spf-wizard", "fixtures");
const tmp = mkdtempSync(join(tmpdir(), "spfdk-wizard-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the wizard --offline: nothing queries public DNS. */
const wizard = (...argv: string[]) => runCli(["spf-wizard", ...argv, "--offline"]);
const valueLine = (stdout: string, kind: string) => {
  const at = stdout.indexOf(`${kind}: `);
  return stdout
    .slice(at)
    .split("\n")[1]
    ?.replace(/^ {2}value: /, "");
};

describe("spfdk spf-wizard (non-interactive)", () => {
  it("prints the issue's example record", async () => {
    const r = await wizard(
      ...["--yes", "--domain", "example.com", "--a", "--mx", "--ip4", "192.0.2.0/24"],
      ...["--include", "_spf.example.net", "--all", "softfail", "--format", "text"],
    );
    expect(r.code).toBe(0);
    expect(valueLine(r.stdout, "SPF")).toBe("v=spf1 a mx ip4:192.0.2.0/24 include:_spf.example.net ~all");
    expect(r.stdout).toContain("DNS lookups: 3/10");
    expect(r.stdout).toContain(
      'example.com.\tIN\tTXT\t"v=spf1 a mx ip4:192.0.2.0/24 include:_spf.example.net ~all"',
    );
    expect(r.stdout).toContain("  @  TXT  v=spf1 a mx ip4:192.0.2.0/24 include:_spf.example.net ~all");
  });

  it("with --yes and only --domain takes the defaults: mx, ~all, no DKIM, no DMARC", async () => {
    const r = await wizard("--yes", "--domain", "example.com", "--format", "bind");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '; spfdk spf-wizard: records for example.com\nexample.com.\tIN\tTXT\t"v=spf1 mx ~all"\n',
    );
  });

  it("asks nothing without a terminal, even without --yes", async () => {
    const r = await wizard(
      "--domain",
      "example.com",
      "--no-mx",
      "--ip6",
      "2001:db8::/32,2001:db8:1::1",
      "--json",
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { records: { value: string; strings: string[] }[] };
    expect(out.records.map((x) => x.value)).toEqual(["v=spf1 ip6:2001:db8::/32 ip6:2001:db8:1::1 ~all"]);
    expect(r.stdout).not.toContain("\u001b[");
  });

  it.each<[string[], string, number, RegExp | null]>([
    [["--no-mx", "--all", "fail"], "v=spf1 -all", 0, null],
    [
      ["--a", "--no-mx", "--a-host", "out1.example.com,out2.example.com"],
      "v=spf1 a a:out1.example.com a:out2.example.com ~all",
      3,
      null,
    ],
    [
      ["--mx-domain", "backup.example.net", "--all", "neutral"],
      "v=spf1 mx mx:backup.example.net ?all",
      2,
      /\?all gives no protection/,
    ],
    [
      ["--ip4", "192.0.2.1/24", "--ip6", "2001:DB8::/32"],
      "v=spf1 mx ip4:192.0.2.1/24 ip6:2001:db8::/32 ~all",
      1,
      /bits set after \/24/,
    ],
    [
      ["--exists", "%{i}._spf.example.com", "--ptr"],
      "v=spf1 mx exists:%{i}._spf.example.com ptr ~all",
      3,
      /ptr is slow/,
    ],
    [
      ["--include", "a.example.net", "b.example.net", "--include", "c.example.net"],
      "v=spf1 mx include:a.example.net include:b.example.net include:c.example.net ~all",
      4,
      /inside the included record/,
    ],
  ])("flags %j give %s (%d lookups)", async (argv, value, lookups, warning) => {
    const r = await wizard("--yes", "--domain", "example.com", ...argv, "--json");
    expect(r.code).toBe(0);
    const spf = (
      JSON.parse(r.stdout) as {
        records: { value: string; lookups: { record: number }; warnings: string[] }[];
      }
    ).records[0]!;
    expect(spf.value).toBe(value);
    expect(spf.lookups.record).toBe(lookups);
    if (warning) expect(spf.warnings.join("\n")).toMatch(warning);
    else expect(spf.warnings).toEqual([]);
  });

  it.each([
    [["--yes"], /--domain is required/],
    [["--domain", "example.com", "--ip4", "192.0.2.0/33"], /^spfdk: --ip4: "\/33" is not a prefix length/],
    [["--domain", "example.com", "--ip4", "2001:db8::1"], /list it under ip6/],
    [["--domain", "example.com", "--a-host", "bad..host"], /--a-host: "bad\.\.host" has an empty label/],
    [["--domain", "bad_domain"], /--domain: "bad_domain" needs at least two labels/],
    [["--domain", "example.com", "--all", "reject"], /--all/],
    [["--domain", "example.com", "--include", "example.com"], /including it loops/],
    [
      ["--domain", "example.com", "--include", ...Array.from({ length: 10 }, (_, i) => `i${i}.example.net`)],
      /needs 11 DNS lookups/,
    ],
    [["--domain", "example.com", "--new-key", "--key", "x.pem"], /--new-key and --key exclude each other/],
    [["--domain", "example.com", "--selector", "s1"], /^spfdk: --selector needs --new-key or --key/],
    [["--domain", "example.com", "--testing"], /^spfdk: --testing needs --new-key or --key/],
    [["--domain", "example.com", "--new-key", "--no-dkim"], /^spfdk: --no-dkim excludes --new-key\n$/],
    [["--domain", "example.com", "--bits", "4096", "--no-dkim"], /^spfdk: --no-dkim excludes --bits\n$/],
    [
      ["--domain", "example.com", "--key", join(FIXTURES, "rsa-2048.pem"), "--bits", "4096"],
      /^spfdk: --bits applies to a new key \(--new-key\), not to --key\n$/,
    ],
    [
      ["--domain", "example.com", "--no-dmarc", "--rua", "d@example.com"],
      /^spfdk: --no-dmarc excludes --rua\n$/,
    ],
    [
      ["--domain", "example.com", "--ip4", "0.0.0.0/0"],
      /^spfdk: ip4:0\.0\.0\.0\/0 authorises every IPv4 address/,
    ],
    [["--domain", "example.com", "--new-key", "--bits", "512"], /--bits: must be one of/],
    [["--domain", "example.com", "--dmarc", "--rua", "nobody"], /--rua: "nobody" is not a mail address/],
    [["--domain", "example.com", "--key", join(FIXTURES, "rsa-512.pem")], /512-bit RSA key; RFC 8301/],
    [
      ["--domain", "example.com", "--key", join(FIXTURES, "ed25519.pem"), "--domainkeys"],
      /DomainKeys.*only RSA/,
    ],
    [["--domain", "example.com", "--key", join(FIXTURES, "nope.pem")], /cannot read private key/],
  ])("%j exits 2 with one line", async (argv, message) => {
    const r = await wizard(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it("--dmarc-policy or --rua alone asks for the DMARC record", async () => {
    const r = await wizard("--domain", "example.com", "--dmarc-policy", "quarantine", "--format", "bind");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '_dmarc.example.com.\tIN\tTXT\t"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.com"',
    );
    const rua = await wizard("--domain", "example.com", "--rua", "d@example.com", "--format", "bind");
    expect(rua.stdout).toContain('"v=DMARC1; p=none; rua=mailto:d@example.com"');
  });

  it("checks include: targets for an SPF record when a resolver is available", async () => {
    const resolver = zone({
      "nospf.example.net": { TXT: ["hello"] },
      "_spf.example.net": { TXT: ["v=spf1 include:_spf2.example.net -all"] },
      "_spf2.example.net": { TXT: ["v=spf1 ip4:198.51.100.0/24 -all"] },
    });
    const bad = await runCli(["spf-wizard", "--domain", "example.com", "--include", "nospf.example.net"], {
      resolver,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nospf\.example\.net" publishes no SPF record/);
    const good = await runCli(["spf-wizard", "--domain", "example.com", "--include", "_spf.example.net"], {
      resolver,
    });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("change: new");
    expect(good.stdout).toContain("DNS lookups: 2/10 (3/10 with the included records)");
  });

  it("refuses flags whose include tree needs more than 10 lookups (exit 2)", async () => {
    const nine = Array.from({ length: 9 }, (_, i) => `a:h${i}.example.net`).join(" ");
    const resolver = zone({ "big.example.net": { TXT: [`v=spf1 ${nine} -all`] } });
    const argv = ["spf-wizard", "--yes", "--domain", "example.com", "--include", "big.example.net"];
    const over = await runCli([...argv, "--mx"], { resolver });
    expect(over.code).toBe(2);
    expect(over.stderr).toBe(
      "spfdk: with its included records the domain needs 11 DNS lookups; receivers give permerror above 10 (RFC 7208 §4.6.4)\n",
    );
    const at = await runCli([...argv, "--no-mx"], { resolver });
    expect(at.code).toBe(0);
    expect(at.stdout).toContain("DNS lookups: 1/10 (10/10 with the included records)");
  });

  it("reads an existing key and prints the DomainKeys form on request, writing nothing", async () => {
    const before = readdirSync(FIXTURES).sort();
    const r = await wizard(
      ...["--domain", "example.com", "--key", join(FIXTURES, "rsa-2048.pem"), "--selector", "dk1"],
      ...["--domainkeys", "--testing", "--json"],
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      records: { kind: string; name: string; value: string; strings: string[] }[];
      privateKey: { written: boolean; bits: number };
    };
    const dkim = out.records.find((x) => x.kind === "dkim")!;
    expect(dkim.name).toBe("dk1._domainkey.example.com.");
    expect(dkim.value).toMatch(/^k=rsa; t=y; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA/);
    expect(dkim.strings.length).toBe(2);
    expect(dkim.strings.every((s) => Buffer.byteLength(s) <= 255)).toBe(true);
    expect(out.privateKey).toMatchObject({ written: false, bits: 2048 });
    expect(readdirSync(FIXTURES).sort()).toEqual(before);
  });

  it("--out writes the zone snippet, refuses to overwrite it, and keeps a backup with --force", async () => {
    const out = join(tmp, "example.zone");
    const argv = ["--domain", "example.com", "--dmarc", "--rua", "dmarc@example.com", "--out", out];
    const first = await wizard(...argv);
    expect(first.code).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text).toContain('example.com.\tIN\tTXT\t"v=spf1 mx ~all"');
    expect(text).toContain('_dmarc.example.com.\tIN\tTXT\t"v=DMARC1; p=none; rua=mailto:dmarc@example.com"');
    const again = await wizard(...argv, "--all", "fail");
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; not overwriting it/);
    expect(readFileSync(out, "utf8")).toBe(text);
    const forced = await wizard(...argv, "--all", "fail", "--force");
    expect(forced.code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain('"v=spf1 mx -all"');
    expect(readdirSync(tmp).filter((f) => f.startsWith("example.zone.") && f.endsWith(".bak"))).toHaveLength(
      1,
    );
  });

  it("an --out file that cannot be written stops the run before the new key is written", async () => {
    const dir = join(tmp, "keys-out");
    const out = join(tmp, "missing-dir", "example.zone");
    const r = await wizard("--yes", "--domain", "example.com", "--new-key", "--key-dir", dir, "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`spfdk: cannot write zone snippet ${out}: no such file or directory\n`);
    expect(r.stdout).toBe("");
    expect(existsSync(dir)).toBe(false);
    // The new key's directory may hold the snippet: it is created first.
    const ok = await wizard(
      ...["--yes", "--domain", "example.com", "--new-key", "--key-type", "ed25519"],
      ...["--key-dir", dir, "--out", join(dir, "example.zone")],
    );
    expect(ok.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["example.zone", "mail.private"]);
  });

  it("a new key with --yes is written only when --new-key is given", async () => {
    const dir = join(tmp, "keys");
    // --key-dir alone would be ignored: that is a usage error now, and still nothing is written.
    const r = await wizard("--yes", "--domain", "example.com", "--key-dir", dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("spfdk: --key-dir needs --new-key or --key (no key is made otherwise)\n");
    expect(existsSync(dir)).toBe(false);
    const newKey = [
      "--yes",
      "--domain",
      "example.com",
      "--new-key",
      "--key-type",
      "ed25519",
      "--key-dir",
      dir,
    ];
    const k = await wizard(...newKey);
    expect(k.code).toBe(0);
    expect(readdirSync(dir)).toEqual(["mail.private"]);
    const again = await wizard(...newKey);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/mail\.private already exists/);
  });

  it("--help lists the flags and examples", async () => {
    const r = await wizard("--help");
    expect(r.code).toBe(0);
    for (const flag of [
      "--domain",
      "--a-host",
      "--ip4",
      "--include",
      "--all",
      "--new-key",
      "--key ",
      "--dmarc",
      "--out",
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });
});
