import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { zone } from "../../src/dns/static-resolver.js";
import { askSpf, domainFromHostName } from "../../src/cli/spf-wizard-flow.js";
import { CTRL_C, runWizard, scriptedAsk } from "./scripted-ask.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const RSA_KEY = join(FIXTURES, "rsa-2048.pem");
const tmp = mkdtempSync(join(tmpdir(), "spfdk-wizard-flow-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const resolver = zone({
  "example.com": { TXT: ["v=spf1 mx -all"] },
  "_spf.example.net": { TXT: ["v=spf1 include:_spf2.example.net -all"] },
  "_spf2.example.net": { TXT: ["v=spf1 ip4:198.51.100.0/24 -all"] },
  "big.example.net": {
    TXT: [`v=spf1 ${Array.from({ length: 8 }, (_, i) => `a:h${i}.example.net`).join(" ")} -all`],
  },
  "huge.example.net": {
    TXT: [`v=spf1 ${Array.from({ length: 10 }, (_, i) => `a:h${i}.example.net`).join(" ")} -all`],
  },
  "nospf.example.net": { TXT: ["hello world"] },
  "two.example.net": { TXT: ["v=spf1 -all", "v=spf1 ~all"] },
  "flaky.example.net": "SERVFAIL",
});

describe("spf-wizard interactive flow (scripted answers)", () => {
  it("answers every question, re-asks bad answers with the reason, prints every record", async () => {
    const r = await runWizard(
      ["--format", "json"],
      [
        "bad..name",
        "example.com",
        true, // a
        "mail.example.com",
        true, // mx
        "",
        "192.0.2.0/33",
        "192.0.2.0/24",
        "2001:db8::/48",
        "nospf.example.net",
        "missing.example.net",
        "two.example.net",
        "big.example.net",
        "_spf.example.net flaky.example.net",
        false, // exists/ptr
        true, // complete
        "fail",
        "existing",
        join(FIXTURES, "missing.pem"),
        join(FIXTURES, "rsa-512.pem"),
        RSA_KEY,
        "", // selector: default
        false, // t=y
        false, // DomainKeys
        true, // DMARC
        "none",
        "", // rua default
      ],
      { resolver },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.transcript.reasks).toEqual([
      expect.stringContaining("has an empty label"),
      expect.stringContaining('"/33" is not a prefix length'),
      expect.stringContaining('"nospf.example.net" publishes no SPF record'),
      expect.stringContaining('"missing.example.net" does not exist'),
      expect.stringContaining("publishes 2 SPF records"),
      expect.stringContaining("with its included records the domain needs 12 DNS lookups"),
      expect.stringContaining("no such file or directory"),
      expect.stringContaining("RFC 8301"),
    ]);
    const out = JSON.parse(r.stdout) as {
      records: {
        kind: string;
        name: string;
        value: string;
        lookups?: number;
        warnings: string[];
        change: unknown;
      }[];
    };
    const [spf, dkim, dmarc] = out.records;
    expect(spf).toMatchObject({
      name: "example.com.",
      value:
        "v=spf1 a a:mail.example.com mx ip4:192.0.2.0/24 ip6:2001:db8::/48 include:_spf.example.net include:flaky.example.net -all",
      lookups: { record: 5, tree: 6 },
      change: { status: "replaces", current: ["v=spf1 mx -all"] },
    });
    expect(spf!.warnings.join("\n")).toMatch(
      /in flaky\.example\.net's record: TXT flaky\.example\.net: .*temperror/,
    );
    expect(dkim!.name).toBe("mail._domainkey.example.com.");
    expect(dkim!.value).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjAN/);
    expect(dkim!.change).toEqual({ status: "new" });
    expect(dmarc!.value).toBe("v=DMARC1; p=none; rua=mailto:postmaster@example.com");
  });

  it("re-asks a list that would take the record over 10 lookups", async () => {
    const nine = Array.from({ length: 9 }, (_, i) => `s${i}.example.net`).join(" ");
    const r = await runWizard(
      [
        "--domain",
        "example.com",
        "--a",
        "--mx",
        "--no-dkim",
        "--no-dmarc",
        "--all",
        "fail",
        "--format",
        "bind",
      ],
      ["", "", "", "", nine, "s1.example.net s2.example.net", false],
    );
    expect(r.code).toBe(0);
    expect(r.transcript.reasks).toEqual([expect.stringMatching(/needs 11 DNS lookups/)]);
    expect(r.stdout).toContain('"v=spf1 a mx include:s1.example.net include:s2.example.net -all"');
  });

  it("re-asks a later answer (list or yes/no) that takes a flag-given include tree over 10 lookups", async () => {
    // big.example.net spends 8 lookups: with its include: term the record starts at 9 of 10.
    const argv = ["--domain", "example.com", "--include", "big.example.net", "--no-dkim", "--no-dmarc"];
    const r = await runWizard(
      [...argv, "--format", "bind"],
      [
        true, // a: 10 lookups, accepted
        "out.example.com", // a:host would make 11
        "",
        true, // mx would make 11
        false,
        "",
        "",
        "",
        true, // exists/ptr wanted
        "",
        true, // ptr would make 11
        false,
        true, // complete
        "fail",
      ],
      { resolver },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const over = expect.stringMatching(
      /^with its included records the domain needs 11 DNS lookups; .*§4\.6\.4\)$/,
    );
    expect(r.transcript.reasks).toEqual([over, over, over]);
    expect(r.stdout).toContain('example.com.\tIN\tTXT\t"v=spf1 a include:big.example.net -all"');
  });

  it("asks only what the flags did not answer", async () => {
    const r = await runWizard(
      ["--domain", "example.com", "--a", "--no-mx", "--ip4", "192.0.2.1", "--no-dkim", "--no-dmarc"],
      ["", "", "", "", false, false],
    );
    expect(r.code).toBe(0);
    expect(r.transcript.questions).toEqual([
      "Other hosts that send mail (a:host), space-separated:",
      "Domains whose MX hosts also send your mail (mx:domain):",
      "IPv6 addresses or ranges that send mail (ip6:):",
      "Third-party senders to include (include:):",
      "Add exists: or ptr terms? (rarely needed)",
      "Do these describe every host that sends mail from example.com?",
    ]);
    // "No" to the web wizard's last question publishes ?all.
    expect(r.stdout).toContain("value: v=spf1 a ip4:192.0.2.1 ?all");
  });

  it("offers exists: and ptr only on request, with ptr's deprecation", async () => {
    const r = await runWizard(
      ["--domain", "example.com", "--no-a", "--mx", "--no-dkim", "--no-dmarc", "--all", "softfail"],
      ["", "", "", "", "", true, "%{i}._spf.example.com", true],
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("value: v=spf1 mx exists:%{i}._spf.example.com ptr ~all");
    expect(r.stdout).toMatch(/warning: ptr is slow and unreliable/);
  });

  it("creates a new Ed25519 key in the directory asked for, mode 0600", async () => {
    const dir = join(tmp, "new-key");
    const r = await runWizard(
      ["--domain", "example.org", "--no-a", "--mx", "--all", "softfail", "--no-dmarc"],
      ["", "", "", "", "", false, "new", "ed25519", dir, "bad selector", "2026a", true],
    );
    expect(r.transcript.questions).toContain("Directory for the private key:");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.transcript.reasks).toEqual([expect.stringContaining('invalid label "bad selector"')]);
    const file = join(dir, "2026a.private");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain("BEGIN PRIVATE KEY");
    expect(r.stdout).toMatch(/value: v=DKIM1; k=ed25519; t=y; p=[A-Za-z0-9+/]{43}=/);
    expect(r.stdout).toContain(`private key: ${file} (written now, mode 0600)`);
  });

  it("re-asks a selector whose key file already exists", async () => {
    const dir = join(tmp, "taken");
    mkdirSync(dir);
    writeFileSync(join(dir, "mail.private"), "keep me");
    const argv = ["--domain", "example.org", "--no-a", "--mx", "--all", "softfail", "--no-dmarc"];
    const r = await runWizard(
      [...argv, "--key-dir", dir, "--key-type", "ed25519"],
      ["", "", "", "", "", false, "new", "mail", "2026b", false],
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.transcript.reasks).toEqual([expect.stringContaining("mail.private already exists")]);
    expect(readFileSync(join(dir, "mail.private"), "utf8")).toBe("keep me");
    expect(readdirSync(dir).sort()).toEqual(["2026b.private", "mail.private"]);
  });

  it("a --selector whose new key file exists exits 2 before any question", async () => {
    const dir = join(tmp, "taken-flag");
    mkdirSync(dir);
    writeFileSync(join(dir, "s1.private"), "keep me");
    const r = await runWizard(["--new-key", "--selector", "s1", "--key-dir", dir], []);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `spfdk: ${join(dir, "s1.private")} already exists; not overwriting it (use --force or another --selector)\n`,
    );
    expect(r.transcript.questions).toEqual([]);
    expect(readFileSync(join(dir, "s1.private"), "utf8")).toBe("keep me");
  });

  it("Ctrl-C exits 130 and writes nothing", async () => {
    const dir = join(tmp, "ctrl-c");
    const r = await runWizard(
      ["--domain", "example.net", "--new-key", "--key-dir", dir, "--out", join(dir, "zone.txt")],
      [true, "", true, "", "", "", "", false, true, "softfail", "rsa", "2048", "mail", CTRL_C],
    );
    expect(r.code).toBe(130);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("\nspfdk: interrupted; nothing was written\n");
    expect(() => readdirSync(dir)).toThrow();
  });

  it.each([
    [["--include", "nospf.example.net"], /--include: "nospf\.example\.net" publishes no SPF record/],
    [
      ["--a", "--mx", "--include", ...Array.from({ length: 9 }, (_, i) => `s${i}.example.net`)],
      /needs 11 DNS lookups/,
    ],
    // The domain is not given yet: the include tree is checked before it is asked.
    [["--include", "huge.example.net"], /^spfdk: with its included records the domain needs 11 DNS lookups/],
  ])("flag answers with a problem %j exit 2 before any question", async (argv, message) => {
    const r = await runWizard(argv, [], { resolver });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.transcript.questions).toEqual([]);
  });
});

describe("domainFromHostName: the default offered for the domain question", () => {
  it.each<[string, string | undefined]>([
    ["mail.example.com", "example.com"],
    ["MX1.Mail.Example.ORG.", "mail.example.org"],
    ["mail", undefined],
    ["localhost.localdomain", undefined],
    ["host.example.123", undefined],
    ["a.-bad-.example", undefined],
  ])("%s suggests %s", (host, domain) => {
    expect(domainFromHostName(host)).toBe(domain);
  });

  it("an empty answer to the domain question takes the suggestion", async () => {
    const { ask, transcript } = scriptedAsk(["", false, "", false, "", "", "", "", false, false]);
    const plan = await askSpf({ suggestedDomain: "example.org" }, ask);
    expect(plan.domain).toBe("example.org");
    expect(plan.all).toBe("neutral");
    expect(transcript.questions[0]).toBe("Domain to set up:");
  });
});
