import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCli } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/shared.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "spfdk-keygen-"));
});
afterAll(() => {
  // temp dirs are left for inspection only on failure; the OS cleans /tmp
});

const keygen = (args: string[]) => runCli(["keygen", ...args], { cwd: work });
const recordP = (value: string) => /(?:^|;\s*)p=([^;\s]*)/.exec(value)![1]!;
const openssl = (args: string[], input?: Buffer) => spawnSync("openssl", args, { input });

describe("spfdk keygen writes a key and its record", () => {
  it("RSA 2048 by default: 0600 key in a new 0700 directory, p= is the public half", async () => {
    const r = await keygen(["--domain", "example.com", "--selector", "mail", "--out", "keys", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.record.name).toBe("mail._domainkey.example.com.");
    expect(out.bits).toBe(2048);
    const keyPath = join(work, "keys", "mail.private");
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(work, "keys")).mode & 0o777).toBe(0o700);
    const pem = readFileSync(keyPath);
    const spki = createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "der" });
    expect(recordP(out.record.value)).toBe(spki.toString("base64"));
    // and the same, independently, with openssl
    const der = openssl(["pkey", "-in", keyPath, "-pubout", "-outform", "DER"]);
    expect(der.status).toBe(0);
    expect(recordP(out.record.value)).toBe(der.stdout.toString("base64"));
    expect(readFileSync(join(work, "keys", "mail.txt"), "utf8")).toBe(`${out.record.bind}\n`);
  });

  it("Ed25519: p= is the raw 32-byte public key (RFC 8463)", async () => {
    const r = await keygen([
      "--domain",
      "example.com",
      "--selector",
      "ed",
      "--type",
      "ed25519",
      "--out",
      "ed",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.record.value).toMatch(/^v=DKIM1; k=ed25519; p=/);
    const raw = Buffer.from(recordP(out.record.value), "base64");
    expect(raw).toHaveLength(32);
    const der = openssl(["pkey", "-in", join(work, "ed", "ed.private"), "-pubout", "-outform", "DER"]);
    expect(der.stdout.subarray(-32).equals(raw)).toBe(true);
  });

  it("4096-bit record splits into 255-byte strings that join back exactly", async () => {
    const r = await keygen([
      "--domain",
      "example.org",
      "--selector",
      "big",
      "--bits",
      "4096",
      "--out",
      "big",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const strings: string[] = out.record.strings;
    expect(strings.length).toBeGreaterThan(2);
    expect(strings.slice(0, -1).every((s) => s.length === 255)).toBe(true);
    expect(strings.join("")).toBe(out.record.value);
    const quoted = [...String(out.record.bind).matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(quoted).toEqual(strings);
  });

  it("--testing adds t=y; --domainkeys gives the RFC 4870 form without v=", async () => {
    const r = await keygen([
      "--domain",
      "example.com",
      "--selector",
      "dk",
      "--domainkeys",
      "--testing",
      "--bits",
      "1024",
      "--out",
      "dk",
      "--format",
      "bind",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dk\._domainkey\.example\.com\.\tIN\tTXT\t"k=rsa; t=y; p=MIG/);
    expect(r.stdout).not.toContain("v=DKIM1");
    expect(r.stderr).toMatch(/warning: 1024-bit RSA/);
  });

  it("text output names the files and the record", async () => {
    const r = await keygen([
      "--domain",
      "example.com",
      "--selector",
      "txt",
      "--type",
      "ed25519",
      "--out",
      "t",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("txt._domainkey.example.com.");
    expect(r.stdout).toContain(join(work, "t", "txt.private"));
    expect(r.stdout).not.toMatch(/\x1b\[/); // no colour when stdout is not a terminal
  });
});

describe("spfdk keygen never clobbers a key", () => {
  it("refuses to overwrite: exit 2, one line, old key byte-identical", async () => {
    const dir = join(work, "keep");
    await keygen(["--domain", "example.com", "--selector", "s1", "--type", "ed25519", "--out", "keep"]);
    copyFileSync(join(REPO_ROOT, "test/fixtures/keygen/existing.pem"), join(dir, "s1.private"));
    const before = readFileSync(join(dir, "s1.private"));
    const r = await keygen(["--domain", "example.com", "--selector", "s1", "--out", "keep"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/already exists.*--force/);
    expect(readFileSync(join(dir, "s1.private")).equals(before)).toBe(true);
  });

  it("--force keeps the old key as a timestamped backup", async () => {
    const dir = join(work, "keep");
    const before = readFileSync(join(dir, "s1.private"));
    const r = await keygen([
      "--domain",
      "example.com",
      "--selector",
      "s1",
      "--out",
      "keep",
      "--force",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const backup = out.backups.find((b: string) => b.includes("s1.private."));
    expect(backup).toMatch(/s1\.private\.20261125T120000Z\.bak$/);
    expect(readFileSync(backup).equals(before)).toBe(true);
    expect(readFileSync(join(dir, "s1.private")).equals(before)).toBe(false);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
  });
});

describe("spfdk keygen rejects bad input with exit 2 and one line, writing nothing", () => {
  it.each([
    [["--type", "dsa"], /--type/],
    [["--bits", "512"], /RFC 8301/],
    [["--bits", "1500"], /--bits: must be one of/],
    [["--bits", "lots"], /--bits/],
    [["--selector", "bad selector"], /--selector: "bad selector" has an invalid label/],
    [["--domain", "exa mple.com"], /--domain/],
    [["--domain", "com"], /--domain: "com" needs at least two labels/],
    [["--type", "ed25519", "--domainkeys"], /only RSA/],
    [["--type", "ed25519", "--bits", "2048"], /--bits: applies only to RSA/],
    [["--format", "xml"], /--format/],
  ])("%j", async (extra, message) => {
    const dir = mkdtempSync(join(tmpdir(), "spfdk-bad-"));
    const args = ["--domain", "example.com", "--selector", "sel", "--out", dir];
    for (let i = 0; i < extra.length; i += 2) {
      const at = args.indexOf(extra[i]!);
      if (at >= 0) args.splice(at, 2);
    }
    const r = await runCli(["keygen", ...args, ...extra], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an unwritable directory: exit 2, one line, no partial file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spfdk-ro-"));
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "x");
    const r = await runCli(
      ["keygen", "--domain", "example.com", "--selector", "s", "--out", join(file, "keys")],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot use directory .*not a directory/);
    expect(readdirSync(dir)).toEqual(["not-a-dir"]);
  });

  it("a directory that cannot be created (under /proc)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spfdk-ro2-"));
    chmodSync(dir, 0o500);
    const r = await runCli(
      ["keygen", "--domain", "example.com", "--selector", "s", "--out", "/proc/spfdk-nope"],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("the real binary prints one line and no stack trace", () => {
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "bin/spfdk"), "keygen", "--domain", "example.com", "--selector", "s", "--bits", "512"],
      {
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^spfdk: --bits: RSA keys under 1024 bits are refused/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });
});
