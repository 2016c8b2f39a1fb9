/** `spfdk check-key` against a static zone with the fixture keys. */
import { describe, expect, it } from "@jest/globals";
import { fixturePath, fixtureResolver, pOf } from "../dkim/fixtures.js";
import { runCli } from "../helpers/cli.js";

const resolver = fixtureResolver({
  "multi._domainkey.example.com": {
    TXT: [`v=DKIM1; p=${pOf("rsa2048.pem")}`, `v=DKIM1; p=${pOf("rsa1024.pem")}`],
  },
  "split._domainkey.example.com": {
    TXT: [[`v=DKIM1; k=rsa; p=${pOf("rsa2048.pem").slice(0, 200)}`, pOf("rsa2048.pem").slice(200)]],
  },
  "badh._domainkey.example.com": { TXT: [`v=DKIM1; h=rsa-sha256; p=${pOf("rsa2048.pem")}`] },
  "spki-ed._domainkey.example.com": {
    TXT: ["v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE="],
  },
  "strict._domainkey.example.com": { TXT: [`v=DKIM1; t=s; p=${pOf("rsa2048.pem")}`] },
  "esc._domainkey.example.com": { TXT: ["v=DKIM1; n=\x1b[2J; p="] },
  "dup._domainkey.example.com": { TXT: [`v=DKIM1; k=rsa; k=rsa; p=${pOf("rsa2048.pem")}`] },
});

const check = (selector: string, extra: string[] = []) =>
  runCli(["check-key", "--domain", "example.com", "--selector", selector, "--no-color", ...extra], {
    resolver,
  });

describe("spfdk check-key", () => {
  it.each([
    ["rsa", 0, /key: RSA 2048-bit[^]*OK: verifiers can use this key/],
    ["ed", 0, /key: Ed25519/],
    ["split", 0, /key: RSA 2048-bit/],
    ["r1024", 0, /testing \(t=y\)[^]*warning: 1024-bit RSA key[^]*treat signed mail like unsigned mail/],
    ["weak", 4, /512-bit RSA key: verifiers must not accept/],
    ["revoked", 4, /revoked \(empty p=\)/],
    ["missing", 4, /does not exist \(NXDOMAIN\)/],
    ["dns-broken", 3, /DNS error/],
    ["multi", 4, /2 TXT records/],
    ["badh", 4, /h= takes hash names/],
    ["spki-ed", 4, /SPKI-wrapped Ed25519 key/],
    ["dup", 4, /duplicate tag k=/],
    ["esc", 4, /n=\?\[2J; p=/],
    ["strict", 0, /warning: t=s: signatures whose i= is in a subdomain of d= will fail/],
  ] as const)("selector %s: exit %i", async (selector, code, pattern) => {
    const r = await check(selector);
    expect({ code: r.code, stdout: r.stdout }).toMatchObject({
      code,
      stdout: expect.stringMatching(pattern),
    });
  });
  it("--key: a matching private key", async () => {
    const r = await check("rsa", ["--key", fixturePath("rsa2048.pem")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/matches p=/);
  });
  it("--key: a private key that does not match gives exit 1", async () => {
    const r = await check("rsa", ["--key", fixturePath("rsa1024.pem"), "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "mismatch", privateKeyMatches: false });
  });
  it("--key: an Ed25519 key matches its raw p=", async () => {
    const r = await check("ed", ["--key", fixturePath("ed25519.pem"), "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: "ok",
      privateKeyMatches: true,
      record: { keyType: "ed25519", bits: 256 },
    });
  });
  it("--key: a key of the other type says so", async () => {
    const r = await check("rsa", ["--key", fixturePath("ed25519.pem")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/warning: the private key is an Ed25519 key; the record publishes k=rsa/);
  });
  it("a bad --selector is a usage error", async () => {
    const r = await check("bad selector!");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").length).toBe(1);
  });
});
