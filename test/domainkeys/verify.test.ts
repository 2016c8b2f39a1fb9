import { describe, expect, it } from "@jest/globals";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  createDomainKeysSigner,
  createDomainKeysVerifier,
  type DkMethod,
  type DomainKeysSignerOptions,
} from "../../src/domainkeys/index.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { fixtureKey, mapResolver, splitMessage, verifyAllDk, type DnsMap } from "./support.js";

const { privateKey, p } = fixtureKey();
const KEY_NAME = "dk1._domainkey.example.org";
const zone = (txt: string): DnsMap => ({ [KEY_NAME]: txt });
const GOOD = zone(`k=rsa; p=${p}`);

const MESSAGE = Buffer.from(
  "Received: from a by b; Wed, 25 Nov 2026 19:00:00 +0000\r\n" +
    "From: Alice <alice@example.org>\r\n" +
    "To: bob@example.net\r\n" +
    "Subject: test\r\n" +
    "\r\n" +
    "Hello Bob.\r\n\r\n",
);

function sign(msg: Buffer, extra: Partial<DomainKeysSignerOptions> = {}, method: DkMethod = "nofws"): Buffer {
  const { fields, body } = splitMessage(msg);
  const s = createDomainKeysSigner(
    { domain: "example.org", selector: "dk1", privateKey, method, ...extra },
    fields,
  );
  s.update(body);
  return Buffer.concat([Buffer.from(`${s.finish()}\r\n`), msg]);
}
const verify = async (msg: Buffer, dns: DnsMap = GOOD, legacy = false) =>
  (await verifyAllDk(msg, mapResolver(dns), legacy))[0]!;

describe("createDomainKeysVerifier", () => {
  it.each(["nofws", "simple"] as const)("passes a %s signature and names the identity", async (method) => {
    const o = await verify(sign(MESSAGE, {}, method));
    expect(o).toEqual({
      result: "pass",
      domain: "example.org",
      selector: "dk1",
      algorithm: "rsa-sha1",
      reason: "signature verifies (1024-bit key)",
      identity: { address: "alice@example.org", source: "from" },
    });
  });

  it("gives the same result for a split of the body at every byte offset", async () => {
    const signed = sign(MESSAGE, {}, "simple");
    const { fields, body } = splitMessage(signed);
    const tampered = Buffer.from(body);
    tampered[0] = 0x68; // "hello": one byte changed
    for (const [b, want] of [
      [body, "pass"],
      [tampered, "fail"],
    ] as const) {
      for (let i = 0; i <= b.length; i++) {
        const v = createDomainKeysVerifier(fields, 0, { resolver: mapResolver(GOOD), legacy: false });
        v.update(b.subarray(0, i));
        v.update(b.subarray(i));
        expect((await v.finish()).result).toBe(want);
      }
    }
  });

  it("ignores fields above the signature", async () => {
    const signed = Buffer.concat([Buffer.from("X-Added-Later: yes\r\n"), sign(MESSAGE)]);
    expect((await verify(signed)).result).toBe("pass");
  });
  it("without h=, a field added below the signature breaks it (corpus bad_dk_2); with h= it does not", async () => {
    const addBelow = (m: Buffer) => {
      const i = m.indexOf("Subject:");
      return Buffer.concat([m.subarray(0, i), Buffer.from("X-Added: 1\r\n"), m.subarray(i)]);
    };
    expect((await verify(addBelow(sign(MESSAGE)))).result).toBe("fail");
    expect((await verify(addBelow(sign(MESSAGE, { headers: ["from", "to", "subject"] })))).result).toBe(
      "pass",
    );
  });
  it("nofws survives re-folding and changed white space in signed fields and body; simple does not", async () => {
    const refold = (m: Buffer) =>
      Buffer.from(
        m
          .toString("latin1")
          .replace("Subject: test", "Subject:\r\n\t test")
          .replace("Hello Bob.", "Hello  Bob. "),
        "latin1",
      );
    expect((await verify(refold(sign(MESSAGE, {}, "nofws")))).result).toBe("pass");
    expect((await verify(refold(sign(MESSAGE, {}, "simple")))).result).toBe("fail");
  });

  it.each([
    [{}, "permerror", "no key record at dk1._domainkey.example.org (nxdomain)"],
    [{ [KEY_NAME]: { error: "NXDOMAIN" } }, "permerror", "(nxdomain)"],
    [{ [KEY_NAME]: { error: "SERVFAIL" } }, "temperror", "failed: SERVFAIL"],
    [{ [KEY_NAME]: { error: "Query timed out" } }, "temperror", "failed: Query timed out"],
    [zone("k=rsa; p="), "permerror", "is revoked"],
    [zone("k=dsa; p=AAAA"), "permerror", "unsupported key type"],
    [zone(`g=bob; p=${p}`), "permerror", "does not match the key's g=bob"],
  ] as const)("DNS %j gives %s", async (dns, result, why) => {
    const o = await verify(sign(MESSAGE), dns as DnsMap);
    expect(o.result).toBe(result);
    expect(o.reason).toContain(why);
  });
  it("a resolver that rejects gives temperror, not an exception", async () => {
    const rejecting = {
      ...mapResolver(GOOD),
      txt: () => Promise.reject(new Error("socket closed")),
    };
    const o = (await verifyAllDk(sign(MESSAGE), rejecting, false))[0]!;
    expect(o.result).toBe("temperror");
    expect(o.reason).toContain("socket closed");
  });
  it("reports t=y as testing, and honours g= with a wildcard", async () => {
    const o = await verify(sign(MESSAGE), zone(`t=y; g=al*e; p=${p}`));
    expect([o.result, o.testing]).toEqual(["pass", true]);
  });
  describe("sending identity against d=", () => {
    const withFrom = (from: string) => Buffer.from(MESSAGE.toString().replace("alice@example.org", from));
    it("allows a subdomain of d=", async () => {
      expect((await verify(sign(withFrom("alice@mail.Example.ORG")))).result).toBe("pass");
    });
    it("refuses a subdomain when the key has t=s", async () => {
      const o = await verify(sign(withFrom("alice@mail.example.org")), zone(`t=s; p=${p}`));
      expect([o.result, o.reason]).toEqual(["permerror", expect.stringContaining("t=s")]);
    });
    it("refuses another domain (corpus bad_dk_1)", async () => {
      const o = await verify(sign(withFrom("alice@example.com")));
      expect(o.reason).toBe("sending identity alice@example.com (from) is not in d=example.org");
    });
    it("uses a signed Sender: over From:", async () => {
      const m = Buffer.from(MESSAGE.toString().replace("To:", "Sender: list@lists.example.net\r\nTo:"));
      const o = await verify(sign(m));
      expect([o.result, o.identity?.source]).toEqual(["permerror", "sender"]);
    });
    it("is a permerror when neither From: nor Sender: is signed", async () => {
      const o = await verify(sign(MESSAGE, { headers: ["to", "subject"] }));
      expect(o.reason).toContain("no signed Sender: or From:");
    });
  });

  describe("RFC 8301 key size", () => {
    const weakKey = createPrivateKey(
      readFileSync(join(REPO_ROOT, "test/fixtures/domainkeys/dk-weak-512.pem")),
    );
    const weakP = createPublicKey(weakKey).export({ format: "der", type: "spki" }).toString("base64");
    const weakSigned = () => {
      const { fields, body } = splitMessage(MESSAGE);
      const s = createDomainKeysSigner(
        { domain: "example.org", selector: "dk1", privateKey: weakKey, method: "nofws" },
        fields,
      );
      s.update(body);
      return Buffer.concat([Buffer.from(`${s.finish()}\r\n`), MESSAGE]);
    };
    it("a valid signature with a 512-bit key is policy by default, pass with legacy", async () => {
      const dns = zone(`p=${weakP}`);
      const strict = await verify(weakSigned(), dns, false);
      expect([strict.result, strict.reason]).toEqual(["policy", expect.stringContaining("512 bits")]);
      expect((await verify(weakSigned(), dns, true)).result).toBe("pass");
    });
    it("a signature checked against another key fails", async () => {
      expect((await verify(sign(MESSAGE), zone(`p=${weakP}`), true)).result).toBe("fail");
    });
    it("a broken signature with a 512-bit key is still fail", async () => {
      const m = weakSigned();
      m[m.length - 5] = 0x21; // the '.' of "Bob." becomes '!'
      expect((await verify(m, zone(`p=${weakP}`), false)).result).toBe("fail");
    });
  });

  it("reports an unusable signature as permerror without a lookup", async () => {
    let looked = false;
    const resolver = { ...mapResolver(GOOD), txt: () => ((looked = true), mapResolver(GOOD).txt(KEY_NAME)) };
    const { fields } = splitMessage(
      Buffer.from(
        "DomainKey-Signature: a=rsa-sha256; d=example.org; s=dk1; b=AA==\r\nFrom: a@example.org\r\n\r\n",
      ),
    );
    const v = createDomainKeysVerifier(fields, 0, { resolver, legacy: true });
    v.update(Buffer.from("x"));
    expect(await v.finish()).toMatchObject({ result: "permerror", domain: "example.org", selector: "dk1" });
    expect(looked).toBe(false);
  });
  it("throws RangeError when the index is not a DomainKey-Signature", () => {
    const { fields } = splitMessage(MESSAGE);
    expect(() => createDomainKeysVerifier(fields, 1, { resolver: mapResolver(GOOD), legacy: true })).toThrow(
      RangeError,
    );
    expect(() => createDomainKeysVerifier(fields, 99, { resolver: mapResolver(GOOD), legacy: true })).toThrow(
      RangeError,
    );
  });
});

describe("createDomainKeysSigner", () => {
  const { fields, body } = splitMessage(MESSAGE);
  const b = (field: string) => /b=([^;]+)$/.exec(field)![1]!.replace(/\s+/g, "");
  it("gives the same b= for a split of the body at every byte offset", () => {
    const whole = createDomainKeysSigner(
      { domain: "example.org", selector: "dk1", privateKey, method: "nofws" },
      fields,
    );
    whole.update(body);
    const expected = b(whole.finish());
    for (let i = 0; i <= body.length; i++) {
      const s = createDomainKeysSigner(
        { domain: "example.org", selector: "dk1", privateKey, method: "nofws" },
        fields,
      );
      s.update(body.subarray(0, i));
      s.update(body.subarray(i));
      expect(b(s.finish())).toBe(expected);
    }
  });
  it("writes h= lower-cased, each name once", () => {
    const s = createDomainKeysSigner(
      {
        domain: "example.org",
        selector: "dk1",
        privateKey,
        method: "simple",
        headers: ["From", "Subject", "from"],
      },
      fields,
    );
    expect(s.finish()).toContain(" h=from:subject;");
  });
  it("refuses a public key, a non-RSA key and a bad domain or selector", () => {
    // RFC 8032 §7.1 test 1: a fixed Ed25519 key, not a fresh one.
    const ec = createPrivateKey({
      key: {
        kty: "OKP",
        crv: "Ed25519",
        d: Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex").toString(
          "base64url",
        ),
        x: Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex").toString(
          "base64url",
        ),
      },
      format: "jwk",
    });
    const make = (o: Partial<DomainKeysSignerOptions>) => () =>
      createDomainKeysSigner(
        { domain: "example.org", selector: "dk1", privateKey, method: "simple", ...o },
        fields,
      );
    expect(make({ privateKey: createPublicKey(privateKey) })).toThrow(TypeError);
    expect(make({ privateKey: ec })).toThrow(TypeError);
    expect(make({ domain: "not a domain" })).toThrow(RangeError);
    expect(make({ selector: "bad selector." })).toThrow(RangeError);
  });
  it("refuses update() after finish() and a second finish()", () => {
    const s = createDomainKeysSigner(
      { domain: "example.org", selector: "dk1", privateKey, method: "simple" },
      fields,
    );
    s.finish();
    expect(() => s.update(body)).toThrow();
    expect(() => s.finish()).toThrow();
  });
});
