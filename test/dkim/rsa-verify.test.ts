/**
 * The RSA-SHA256 check of the verifier (rsaSha256Matches, src/dkim/verify.ts): the RSA operation
 * with the type-1 padding check in OpenSSL, then an exact comparison with DigestInfo and digest.
 * It must answer exactly as crypto.verify("sha256", ...) does, on good signatures and on every kind
 * of bad one: a flipped bit, a wrong length, a representative >= the modulus, and encodings made
 * with the private key that are almost right (other hash, DigestInfo without NULL, short padding,
 * padding type 2, trailing garbage).
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  privateEncrypt,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { parseKeyRecord, type KeyRecord } from "../../src/dkim/key-record-parse.js";
import { publicKeyRecordValue } from "../../src/dkim/keygen.js";
import { rsaSha256Matches } from "../../src/dkim/verify.js";
import { fixture } from "./fixtures.js";

function keyOf(file: string): { priv: KeyObject; record: KeyRecord } {
  const priv = createPrivateKey(fixture(file));
  const parsed = parseKeyRecord(`v=DKIM1; k=rsa; p=${publicKeyRecordValue(createPublicKey(priv))}`);
  if (!("record" in parsed)) throw new Error("fixture key record does not parse");
  return { priv, record: parsed.record };
}

const KEYS = [keyOf("rsa2048.pem"), keyOf("rsa1024.pem"), keyOf("rsa512.pem")];
const SHA256_INFO = Buffer.from("3031300d060960864801650304020105000420", "hex");

/** A signature whose RSA representative is exactly `em` (k octets), made with the private key. */
function rawSignature(priv: KeyObject, em: Buffer): Buffer {
  return privateEncrypt({ key: priv, padding: constants.RSA_NO_PADDING }, em);
}

/** EM = 00 01 FF... 00 T, with `ff` FF octets (RFC 8017 §9.2 wants k - len(T) - 3 >= 8). */
function encoded(k: number, t: Buffer, opts: { type?: number; ff?: number } = {}): Buffer {
  const ff = opts.ff ?? k - t.length - 3;
  const em = Buffer.alloc(k, 0);
  em[1] = opts.type ?? 1;
  em.fill(opts.type === 2 ? 0x5a : 0xff, 2, 2 + ff);
  em[2 + ff] = 0;
  t.copy(em, 3 + ff);
  return em.subarray(0, k);
}

function bothAgree(record: KeyRecord, data: Buffer, sig: Buffer): boolean {
  const want = (() => {
    try {
      return cryptoVerify("sha256", data, record.key!, sig);
    } catch {
      return false;
    }
  })();
  expect(rsaSha256Matches(record, data, sig)).toBe(want);
  return want;
}

describe("rsaSha256Matches answers as crypto.verify", () => {
  it("on good signatures and single flipped bits (2048, 1024 and 512-bit keys)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(), fc.nat({ max: 2 }), (bytes, bit, which) => {
        const { priv, record } = KEYS[which]!;
        const data = Buffer.from(bytes);
        const sig = cryptoSign("sha256", data, priv);
        expect(bothAgree(record, data, sig)).toBe(true);
        const bad = Buffer.from(sig);
        bad[(bit >> 3) % bad.length]! ^= 1 << (bit & 7);
        expect(bothAgree(record, data, bad)).toBe(false);
        const other = Buffer.concat([data, Buffer.from("x")]);
        expect(bothAgree(record, other, sig)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it("on wrong lengths and representatives at or above the modulus", () => {
    const { priv, record } = KEYS[0]!;
    const data = Buffer.from("header hash input");
    const sig = cryptoSign("sha256", data, priv);
    expect(bothAgree(record, data, sig.subarray(1))).toBe(false); // one octet short
    expect(bothAgree(record, data, Buffer.concat([Buffer.alloc(1), sig]))).toBe(false); // leading zero added
    expect(bothAgree(record, data, Buffer.alloc(256, 0xff))).toBe(false); // >= modulus
    expect(bothAgree(record, data, Buffer.alloc(256, 0))).toBe(false);
    expect(bothAgree(record, data, Buffer.alloc(0))).toBe(false);
    // A signature whose first octet is 0 (about 1 in 256): as long as the modulus, it is good.
    for (let i = 0; i < 3000; i++) {
      const d = Buffer.from(`message ${i}`);
      const s = cryptoSign("sha256", d, priv);
      if (s[0] !== 0) continue;
      expect(bothAgree(record, d, s)).toBe(true);
      // The same number without its leading zero octet: RFC 8017 §8.2.2 step 1 rejects it.
      expect(bothAgree(record, d, s.subarray(1))).toBe(false);
      return;
    }
    throw new Error("no signature with a leading zero octet in 3000 tries");
  });

  it("on almost-right encodings made with the private key", () => {
    const { priv, record } = KEYS[0]!;
    const k = 256;
    const data = Buffer.from("From: a@example.com\r\n");
    const h = createHash("sha256").update(data).digest();
    const t = Buffer.concat([SHA256_INFO, h]);
    const cases: [string, Buffer, boolean][] = [
      ["the right encoding", encoded(k, t), true],
      ["SHA-512 DigestInfo", encoded(k, Buffer.concat([Buffer.from("3051300d060960864801650304020305000440", "hex"), createHash("sha512").update(data).digest()])), false],
      ["DigestInfo without the NULL parameters", encoded(k, Buffer.concat([Buffer.from("302f300b0609608648016503040201", "hex"), Buffer.from("0420", "hex"), h])), false],
      ["the SHA-256 digest in a SHA3-256 DigestInfo", encoded(k, Buffer.concat([Buffer.from("3031300d060960864801650304020805000420", "hex"), h])), false],
      ["the digest alone", encoded(k, h), false],
      ["garbage after the digest", encoded(k, Buffer.concat([t, Buffer.from([0])])), false],
      ["seven FF octets of padding", encoded(k, Buffer.concat([Buffer.alloc(k - t.length - 10, 0x11), t]), { ff: 7 }), false],
      ["padding type 2", encoded(k, t, { type: 2 }), false],
      ["another digest", encoded(k, Buffer.concat([SHA256_INFO, createHash("sha256").update("other").digest()])), false],
    ]; // prettier-ignore
    for (const [what, em, want] of cases) {
      expect({ what, ok: bothAgree(record, data, rawSignature(priv, em)) }).toEqual({ what, ok: want });
    }
  });
});
