/**
 * `spfdk verify`: several signatures in one message, their aggregation into the exit code, the
 * Authentication-Results field (RFC 8601), and DomainKeys under RFC 8301.
 */
import { describe, expect, it } from "@jest/globals";
import { authenticationResults, domainKeysForVerdict, verdictOf } from "../../src/dkim/results.js";
import { createPrivateKey } from "node:crypto";
import { signMessage } from "../../src/dkim/sign-message.js";
import { fixture, fixturePath, fixtureResolver, pOf } from "../dkim/fixtures.js";
import { runCli } from "../helpers/cli.js";

const rsa = pOf("rsa2048.pem");
const resolver = fixtureResolver({
  "strict._domainkey.example.com": { TXT: [`v=DKIM1; t=s; p=${rsa}`] },
  "sha1only._domainkey.example.com": { TXT: [`v=DKIM1; h=sha1; p=${rsa}`] },
  "web._domainkey.example.com": { TXT: [`v=DKIM1; s=web; p=${rsa}`] },
  "edkey._domainkey.example.com": { TXT: [`v=DKIM1; k=ed25519; p=${pOf("ed25519.pem")}`] },
  "pkcs1._domainkey.example.com": {
    TXT: [`v=DKIM1; p=${Buffer.from(rsa, "base64").subarray(24).toString("base64")}`],
  },
});
/** Flags signing with rsa2048.pem as s=`selector`, d=example.com. */
const rsaAs = (selector: string) => [
  ...["--domain", "example.com", "--selector", selector],
  ...["--key", fixturePath("rsa2048.pem")],
];
const RSA = rsaAs("rsa");

type Outcome = { result: string; tag?: string; domain: string };

async function signed(args: string[]): Promise<Buffer> {
  const r = await runCli(["sign", ...args], { input: fixture("message.eml") });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  return r.out;
}

const verifyJson = async (msg: Buffer, extra: string[] = []) => {
  const r = await runCli(["verify", "--json", ...extra], { input: msg, resolver });
  return { code: r.code, json: JSON.parse(r.stdout) };
};

/** `fields` (each without CRLF) put above `msg`. */
const prepend = (fields: string[], msg: Buffer) =>
  Buffer.concat([Buffer.from(fields.map((f) => `${f}\r\n`).join(""), "latin1"), msg]);

const SIG = "v=1; a=rsa-sha256; d=example.com; s=rsa; bh=AAAA; b=AAAA";

describe("several signatures, each reported", () => {
  it("broken signature fields are permerrors naming the tag; a good one still passes (exit 0)", async () => {
    const msg = prepend(
      [
        "DKIM-Signature: garbage",
        `DKIM-Signature: ${SIG}; h=subject`,
        `DKIM-Signature: ${SIG}; h=from; h=to`,
        `DKIM-Signature: ${SIG}; h=from; i=x@other.example`,
        `DKIM-Signature: ${SIG}; h=from; i=x=40example.com`,
        `DKIM-Signature: ${SIG}; h=from; c=loose`,
        `DKIM-Signature: ${SIG}; h=from; t=200; x=100`,
        `DKIM-Signature: ${SIG}; h=from; l=ten`,
      ],
      await signed(RSA),
    );
    const { code, json } = await verifyJson(msg);
    expect(json.dkim.map((o: Outcome) => `${o.result}:${o.tag ?? ""}`)).toEqual([
      "permerror:syntax",
      "permerror:h",
      "permerror:h",
      "permerror:i",
      "fail:", // i=x=40example.com decodes to x@example.com: valid, so the (fake) body hash is checked
      "permerror:c",
      "permerror:x",
      "permerror:l",
      "pass:",
    ]);
    expect(code).toBe(0);
    // One Authentication-Results entry per signature.
    expect(json.authenticationResults.match(/dkim=/g)).toHaveLength(9);
  });
  it("only permerrors: exit 4; a permerror beside a fail: exit 1; beside a temperror: exit 3", async () => {
    const perm = `DKIM-Signature: ${SIG}; h=subject`;
    const msg = await signed(RSA);
    expect((await verifyJson(prepend([perm], fixture("message.eml")))).code).toBe(4);
    const tampered = Buffer.from(msg.toString("latin1").replace("noon", "nooN"), "latin1");
    expect((await verifyJson(prepend([perm], tampered))).code).toBe(1);
    const broken = await signed(rsaAs("dns-broken"));
    expect((await verifyJson(prepend([perm], broken))).code).toBe(3);
  });
  it("an i= written in dkim-quoted-printable is decoded and checked against d=", async () => {
    const r = await runCli(["sign", ...RSA, "--identity", "a;b@mail.example.com"], {
      input: fixture("message.eml"),
    });
    expect(r.out.toString("latin1")).toMatch(/ i=a=3Bb@mail\.example\.com;/);
    const { code, json } = await verifyJson(r.out);
    expect(code).toBe(0);
    expect(json.dkim[0].identity).toBe("a;b@mail.example.com");
  });
});

describe("Authentication-Results (RFC 8601)", () => {
  it("--authserv-id must be a token: a ';' would break the field (exit 2, one line)", async () => {
    const r = await runCli(["verify", "--authserv-id", "mx;x"], { input: fixture("message.eml"), resolver });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const ok = await runCli(["verify", "--authserv-id", "mx.example.net"], {
      input: fixture("message.eml"),
      resolver,
    });
    expect(ok.stdout).toMatch(/Authentication-Results: mx\.example\.net;/);
  });
  it("reason= stays printable US-ASCII (no section sign)", () => {
    const ar = authenticationResults("mx.example.net", [
      {
        result: "permerror",
        domain: "example.com",
        selector: "s",
        algorithm: "rsa-sha256",
        reason: "h= does not include From (RFC 6376 §5.4)",
        tag: "h",
        warnings: [],
        fieldIndex: 0,
      },
    ]);
    expect(ar).toContain('reason="h= does not include From (RFC 6376 section 5.4)"');
    expect(ar).toMatch(/^[\x20-\x7e\r\n\t]*$/);
  });
  it("a decoded i= with CR LF cannot inject a header field", async () => {
    const msg = prepend(
      [`DKIM-Signature: ${SIG}; h=from; i==0D=0AX-Injected:=20yes@example.com`],
      fixture("message.eml"),
    );
    const r = await runCli(["verify", "--authserv-id", "mx"], { input: msg, resolver });
    const ar = r.stdout.slice(r.stdout.indexOf("Authentication-Results:"));
    expect(ar).not.toMatch(/\nX-Injected/);
    expect(ar).toContain('header.i="??X-Injected: yes@example.com"');
  });
  it("control characters from the message do not reach the terminal", async () => {
    const msg = prepend([`DKIM-Signature: ${SIG}; h=from; i==1B[2J@other.example`], fixture("message.eml"));
    const r = await runCli(["verify", "--no-color"], { input: msg, resolver });
    expect(r.stdout).toContain("i=?[2J@other.example is not in d=example.com");
    expect(r.stdout).not.toContain("\x1b");
  });
  it("DomainKeys uses its registered properties: header.d and header.from / header.sender", () => {
    const dk = (source: "from" | "sender") => ({
      result: "pass" as const,
      domain: "example.com",
      selector: "dk",
      algorithm: "rsa-sha1",
      reason: "ok",
      identity: { address: "alice@example.com", source },
    });
    expect(authenticationResults("mx", [], [dk("from")])).toBe(
      "Authentication-Results: mx;\r\n\tdomainkeys=pass header.d=example.com header.from=alice@example.com",
    );
    expect(authenticationResults("mx", [], [dk("sender")])).toMatch(/header\.sender=alice@example\.com$/);
  });
});

describe("DomainKeys and RFC 8301", () => {
  /** A message whose only signature is a DomainKey-Signature. */
  async function dkOnly(): Promise<Buffer> {
    const text = (await signed([...RSA, "--domainkeys"])).toString("latin1");
    return Buffer.from(text.slice(text.indexOf("DomainKey-Signature:")), "latin1");
  }
  it("a DomainKeys pass is reported but does not count for the exit code by default", async () => {
    const msg = await dkOnly();
    const { code, json } = await verifyJson(msg);
    expect(json.dkim).toEqual([]);
    expect(json.domainkeys[0]).toMatchObject({ result: "pass", identity: { source: "from" } });
    expect(json.verdict).toBe("fail");
    expect(code).toBe(1);
    const text = await runCli(["verify", "--no-color"], { input: msg, resolver });
    expect(text.stdout).toMatch(/domainkeys=pass[^]*not counted for the exit code/);
  });
  it("--legacy counts it (exit 0), also for --require", async () => {
    const msg = await dkOnly();
    expect((await verifyJson(msg, ["--legacy"])).code).toBe(0);
    expect((await verifyJson(msg, ["--legacy", "--require", "example.com"])).code).toBe(0);
    expect((await verifyJson(msg, ["--require", "example.com"])).code).toBe(1);
  });
  it("domainKeysForVerdict maps pass to policy outside legacy rules only", () => {
    const dk = [{ result: "pass", domain: "example.com" }];
    expect(verdictOf(domainKeysForVerdict(dk, false))).toBe("fail");
    expect(verdictOf(domainKeysForVerdict(dk, true))).toBe("pass");
  });
});

describe("key records against the signature (RFC 6376 §3.6.1)", () => {
  it.each([
    ["strict", ["--identity", "joe@mail.example.com"], "permerror", "key.t"],
    ["strict", ["--identity", "joe@example.com"], "pass", undefined],
    ["sha1only", [], "permerror", "key.h"],
    ["web", [], "permerror", "key"],
    ["edkey", [], "permerror", "key.k"],
    ["revoked", [], "permerror", "key.p"],
    ["pkcs1", [], "pass", undefined],
  ] as const)("s=%s %j: %s (tag %s)", async (selector, extra, result, tag) => {
    const msg = await signed([...rsaAs(selector), ...extra]);
    const o = (await verifyJson(msg)).json.dkim[0];
    expect({ result: o.result, tag: o.tag }).toEqual({ result, tag });
    if (selector === "pkcs1") expect(o.warnings.join()).toMatch(/bare PKCS#1/);
  });
});

describe("RFC 8301 and --legacy", () => {
  it("a signature with a 512-bit key verifies only under --legacy, flagged", async () => {
    // The CLI refuses to sign with it; the library can (keyChecked skips the check).
    const r = await signMessage(
      [fixture("message.eml")],
      [
        {
          domain: "example.com",
          selector: "weak",
          privateKey: createPrivateKey(fixture("rsa512.pem")),
          algorithm: "rsa-sha256",
          headerCanon: "relaxed",
          bodyCanon: "relaxed",
          oversign: true,
          keyChecked: true,
        },
      ],
    );
    if (r.kind !== "ok") throw new Error("not signed");
    const msg = prepend(r.fields, fixture("message.eml"));
    const strict = await verifyJson(msg);
    expect(strict.json.dkim[0].result).not.toBe("pass");
    expect(strict.json.dkim[0].reason).toMatch(/512-bit RSA key.*RFC 8301/);
    expect(strict.code).not.toBe(0);
    const legacy = await verifyJson(msg, ["--legacy"]);
    expect(legacy.code).toBe(0);
    expect(legacy.json.dkim[0]).toMatchObject({ result: "pass", legacy: [expect.stringMatching(/512-bit/)] });
  });
});
