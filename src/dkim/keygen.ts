import { createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";

/** Key algorithms spfdk creates: RSA (RFC 6376) and Ed25519 (RFC 8463). */
export type DkimKeyType = "rsa" | "ed25519";

/** RSA sizes keygen offers. Under 1024 bits is refused (RFC 8301 §3.2); 1024 is allowed with a warning. */
export const RSA_KEY_SIZES = [1024, 2048, 3072, 4096] as const;
export type RsaKeySize = (typeof RSA_KEY_SIZES)[number];
/** RFC 8301 §3.2: verifiers MUST NOT consider RSA keys under 1024 bits valid. */
export const MIN_RSA_BITS = 1024;

/** A freshly generated key pair. */
export interface GeneratedKey {
  type: DkimKeyType;
  /** RSA modulus size; 256 for Ed25519. */
  bits: number;
  /** The private key as PEM (PKCS#8 for both types, which OpenSSL, dkimpy and Mail::DKIM read). */
  privateKeyPem: string;
  /** The public key as the key record's `p=` value (base64, no whitespace). */
  publicKeyB64: string;
}

/**
 * Generates a key pair with node:crypto (OpenSSL). Rejects with a RangeError for an RSA size
 * outside `RSA_KEY_SIZES`. Does not write anything.
 */
export function generateDkimKey(type: DkimKeyType, bits: number = 2048): Promise<GeneratedKey> {
  if (type === "rsa" && !(RSA_KEY_SIZES as readonly number[]).includes(bits)) {
    return Promise.reject(new RangeError(`RSA key size must be one of ${RSA_KEY_SIZES.join(", ")}`));
  }
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => {
      if (err) return reject(err);
      resolve({
        type,
        bits: type === "rsa" ? bits : 256,
        privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        publicKeyB64: publicKeyRecordValue(publicKey),
      });
    };
    if (type === "rsa") generateKeyPair("rsa", { modulusLength: bits, publicExponent: 0x10001 }, done);
    else generateKeyPair("ed25519", {}, done);
  });
}

/**
 * The `p=` value for a public (or private) key: for RSA the base64 DER SubjectPublicKeyInfo
 * (RFC 6376 §3.6.1), for Ed25519 the raw 32-byte public key in base64 (RFC 8463 §4).
 * Throws a TypeError for any other key type.
 */
export function publicKeyRecordValue(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType === "rsa") {
    return pub.export({ type: "spki", format: "der" }).toString("base64");
  }
  if (pub.asymmetricKeyType === "ed25519") {
    const jwk = pub.export({ format: "jwk" });
    if (typeof jwk.x !== "string") throw new TypeError("Ed25519 key without public part");
    return Buffer.from(jwk.x, "base64url").toString("base64");
  }
  throw new TypeError(`unsupported key type ${pub.asymmetricKeyType ?? "unknown"} (expected RSA or Ed25519)`);
}

/** The type and size of a key object as keygen and check-key report them, or null for other types. */
export function describeKey(key: KeyObject): { type: DkimKeyType; bits: number } | null {
  if (key.asymmetricKeyType === "rsa") {
    return { type: "rsa", bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
  }
  if (key.asymmetricKeyType === "ed25519") return { type: "ed25519", bits: 256 };
  return null;
}
