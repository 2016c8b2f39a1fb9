/** `spfdk sign` and `spfdk verify` through main(), with fixture keys and a static zone. */
import { createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { fixture, fixturePath, fixtureResolver, pOf } from "../dkim/fixtures.js";
import { runCli } from "../helpers/cli.js";

const resolver = fixtureResolver();
const RSA = ["--domain", "example.com", "--selector", "rsa", "--key", fixturePath("rsa2048.pem")];
const ED = ["--selector", "ed", "--key", fixturePath("ed25519.pem")];

/** A temp file holding the public half of rsa2048.pem (PEM SubjectPublicKeyInfo). */
function publicKeyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), "spfdk-pub-")), "rsa2048.pub.pem");
  const pem = createPublicKey(fixture("rsa2048.pem")).export({ type: "spki", format: "pem" });
  writeFileSync(path, pem);
  return path;
}

async function signed(args: string[], input: Buffer = fixture("message.eml")) {
  const r = await runCli(["sign", ...args], { input });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  return r.out;
}

async function verify(msg: Buffer, extra: string[] = []) {
  return runCli(["verify", "--json", ...extra], { input: msg, resolver });
}

describe("spfdk sign", () => {
  it("signs stdin to stdout; the result verifies", async () => {
    const out = await signed(RSA);
    expect(out.toString("latin1")).toMatch(
      /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example.com;/,
    );
    expect(out.subarray(out.length - fixture("message.eml").length)).toEqual(fixture("message.eml"));
    const v = await verify(out);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).dkim.map((o: { result: string }) => o.result)).toEqual(["pass"]);
  });
  it("folds the signature under 78 columns and over-signs From", async () => {
    const out = (await signed(RSA)).toString("latin1");
    const field = out.split(/\r\n(?=\S)/)[0]!;
    for (const line of field.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    const h = /h=([^;]*);/.exec(field.replace(/\r\n\s/g, ""))![1]!.split(":");
    expect(h.filter((x) => x === "from").length).toBe(2);
    expect(h).toContain("subject");
    expect(h).not.toContain("received");
  });
  it("--no-oversign signs each field once", async () => {
    const field = (await signed([...RSA, "--no-oversign"])).toString("latin1").split(/\r\n(?=\S)/)[0]!;
    const h = /h=([^;]*);/.exec(field.replace(/\r\n\s/g, ""))![1]!.split(":");
    expect(h.filter((x) => x === "from").length).toBe(1);
  });
  it("dual-signs RSA + Ed25519 and both verify", async () => {
    const out = await signed([...RSA, ...ED]);
    const v = await verify(out);
    const j = JSON.parse(v.stdout);
    expect(j.dkim.map((o: { algorithm: string; result: string }) => `${o.algorithm}:${o.result}`)).toEqual([
      "rsa-sha256:pass",
      "ed25519-sha256:pass",
    ]);
    expect(j.authenticationResults).toMatch(/dkim=pass header.d=example.com .*header.a=ed25519-sha256/);
  });
  it.each(["simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed", "relaxed"])(
    "--canon %s verifies",
    async (c) => {
      const v = await verify(await signed([...RSA, "--canon", c]));
      expect(v.code).toBe(0);
    },
  );
  it("keeps LF line endings (LF in, LF out) and still verifies", async () => {
    const input = fixture("message-lf.eml");
    const out = await signed(RSA, input);
    expect(out.includes("\r")).toBe(false);
    expect(out.subarray(out.length - input.length)).toEqual(input);
    expect((await verify(out)).code).toBe(0);
  });
  it("an expired signature (x= in the past) is fail with the reason, exit 1", async () => {
    const out = await signed([...RSA, "--expire", "1d"]);
    const later = new Date("2026-11-27T12:00:00Z");
    const v = await runCli(["verify", "--json"], { input: out, resolver, now: () => later });
    expect(v.code).toBe(1);
    const o = JSON.parse(v.stdout).dkim[0];
    expect(o).toMatchObject({ result: "fail", failure: "expired" });
    expect(o.reason).toMatch(/signature expired at 2026-11-26T12:00:00/);
    expect((await runCli(["verify"], { input: out, resolver })).code).toBe(0);
  });
  it("--body-length and --expire add l= and x=", async () => {
    const out = (await signed([...RSA, "--body-length", "--expire", "7d"])).toString("latin1");
    const t = Number(/ t=(\d+);/.exec(out)![1]);
    expect(Number(/ x=(\d+);/.exec(out)![1])).toBe(t + 7 * 86400);
    expect(out).toMatch(/ l=\d+;/);
    // Text appended after l= stays unsigned: still a pass, with a warning.
    const v = await verify(Buffer.concat([Buffer.from(out, "latin1"), Buffer.from("appended\r\n")]));
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).dkim[0].warnings.join()).toMatch(/not signed/);
  });
  it("reads a FILE and writes --out (refusing to overwrite without --force)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spfdk-sign-"));
    const out = join(dir, "signed.eml");
    const r = await runCli(["sign", fixturePath("message.eml"), ...RSA, "--out", out]);
    expect(r.code).toBe(0);
    expect(r.out.length).toBe(0);
    expect((await verify(readFileSync(out))).code).toBe(0);
    const again = await runCli(["sign", fixturePath("message.eml"), ...RSA, "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });
  it("--json describes the signatures", async () => {
    const r = await runCli(["sign", ...RSA, "--json"], { input: fixture("message.eml") });
    const j = JSON.parse(r.stdout);
    expect(j.signatures[0]).toMatchObject({
      kind: "dkim",
      domain: "example.com",
      selector: "rsa",
      algorithm: "rsa-sha256",
    });
    expect(r.out.length).toBe(0);
  });
  it.each([
    [
      "a key that is not a key",
      ["--domain", "example.com", "--selector", "s", "--key", fixturePath("message.eml")],
      /not a private key/,
    ],
    [
      "a missing key file",
      ["--domain", "example.com", "--selector", "s", "--key", "/nonexistent/k.pem"],
      /cannot read key file/,
    ],
    [
      "an RSA key under 1024 bits",
      ["--domain", "example.com", "--selector", "s", "--key", fixturePath("rsa512.pem")],
      /under 1024 bits are refused/,
    ],
    [
      "a key of the wrong type for --algo",
      [...RSA, "--algo", "ed25519-sha256"],
      /cannot sign ed25519-sha256/,
    ],
    ["unpaired --selector/--key", [...RSA, "--selector", "x"], /pairs/],
    ["a bad --canon", [...RSA, "--canon", "loose"], /--canon/],
    ["a bad --expire", [...RSA, "--expire", "soon"], /--expire/],
    ["--method without --domainkeys", [...RSA, "--method", "simple"], /add --domainkeys/],
    ["an --expire past 12 digits of x=", [...RSA, "--expire", "99999999999999w"], /too long/],
    [
      "a public key instead of the private key",
      ["--domain", "example.com", "--selector", "s", "--key", publicKeyFile()],
      /holds a public key; give the private key/,
    ],
    ["an unreadable FILE", ["/nonexistent/msg.eml", ...RSA], /cannot read/],
  ])("refuses %s with exit 2 and one line", async (_name, args, message) => {
    const r = await runCli(["sign", ...args], { input: fixture("message.eml") });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.out.length).toBe(0);
  });
  it.each([
    ["binary junk", Buffer.from([0x00, 0x01, 0x02, 0xff, 0x0a, 0x0a])],
    ["text without a header", Buffer.from("just some words\nand more\n")],
    ["an empty input", Buffer.alloc(0)],
    ["a message without From:", Buffer.from("To: bob@example.net\r\nSubject: x\r\n\r\nbody\r\n")],
  ])("refuses %s as a message (exit 2, no output)", async (_name, input) => {
    const r = await runCli(["sign", ...RSA], { input });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.out.length).toBe(0);
  });
  it("names the missing From: field", async () => {
    const r = await runCli(["sign", ...RSA], { input: Buffer.from("To: b@example.net\r\n\r\nbody\r\n") });
    expect(r.stderr).toMatch(/has no From: field/);
  });
  it("signs Resent-Sender by default (RFC 6376 §5.4.1's list)", async () => {
    const input = Buffer.concat([Buffer.from("Resent-Sender: r@example.com\r\n"), fixture("message.eml")]);
    const field = (await signed(RSA, input)).toString("latin1").split(/\r\n(?=\S)/)[0]!;
    expect(/h=([^;]*);/.exec(field.replace(/\r\n\s/g, ""))![1]!.split(":")).toContain("resent-sender");
  });
});

describe("spfdk verify", () => {
  it("a one-byte change to the body fails with the body hashes shown", async () => {
    const out = Buffer.from((await signed(RSA)).toString("latin1").replace("noon", "nooN"), "latin1");
    const v = await runCli(["verify", "--no-color"], { input: out, resolver });
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/dkim=fail d=example.com s=rsa a=rsa-sha256 \(body hash\)/);
    expect(v.stdout).toMatch(/computed bh=.*\n.*expected bh=/);
    expect(v.stdout).toMatch(/Authentication-Results: .*;\n\tdkim=fail reason=/);
  });
  it("a one-byte change to a signed header fails the signature", async () => {
    const out = Buffer.from((await signed(RSA)).toString("latin1").replace("Lunch", "Lunci"), "latin1");
    const v = await verify(out);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).dkim[0]).toMatchObject({ result: "fail", failure: "signature" });
  });
  it("a prepended From breaks an over-signed signature", async () => {
    const out = Buffer.concat([Buffer.from("From: mallory@evil.example\r\n"), await signed(RSA)]);
    expect((await verify(out)).code).toBe(1);
  });
  it("an unsigned message gives dkim=none and exit 1", async () => {
    const v = await runCli(["verify"], { input: fixture("message.eml"), resolver });
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/dkim=none/);
  });
  it("DNS SERVFAIL gives temperror and exit 3", async () => {
    const msg = await signed([
      "--domain",
      "example.com",
      "--selector",
      "dns-broken",
      "--key",
      fixturePath("rsa2048.pem"),
    ]);
    const v = await verify(msg);
    expect(v.code).toBe(3);
    expect(JSON.parse(v.stdout).dkim[0].result).toBe("temperror");
  });
  it("a revoked key gives permerror and exit 4", async () => {
    const msg = await signed([
      "--domain",
      "example.com",
      "--selector",
      "revoked",
      "--key",
      fixturePath("rsa2048.pem"),
    ]);
    const v = await verify(msg);
    expect(v.code).toBe(4);
    expect(JSON.parse(v.stdout).dkim[0]).toMatchObject({ result: "permerror", tag: "key.p" });
  });
  it("--require DOMAIN needs a pass from that domain", async () => {
    const msg = await signed(RSA);
    expect((await verify(msg, ["--require", "example.com"])).code).toBe(0);
    expect((await verify(msg, ["--require", "other.example"])).code).toBe(1);
  });
  it("reports the key's t=y", async () => {
    const msg = await signed([
      "--domain",
      "example.com",
      "--selector",
      "r1024",
      "--key",
      fixturePath("rsa1024.pem"),
    ]);
    const j = JSON.parse((await verify(msg)).stdout);
    expect(j.dkim[0]).toMatchObject({ result: "pass", testing: true, keyBits: 1024 });
  });
  it("reads --zone FILE", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spfdk-verify-"));
    const zone = join(dir, "example.zone");
    const p = pOf("ed25519.pem");
    writeFileSync(zone, `$ORIGIN example.com.\ned._domainkey IN TXT "v=DKIM1; k=ed25519; p=${p}"\n`);
    const msg = await signed(["--domain", "example.com", ...ED]);
    const v = await runCli(["verify", "--zone", zone], { input: msg });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/dkim=pass d=example.com s=ed a=ed25519-sha256/);
  });
  it("refuses a non-message with exit 2", async () => {
    const v = await runCli(["verify"], { input: Buffer.from("no header here\n"), resolver });
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/not a "Name: value" field/);
  });
});
