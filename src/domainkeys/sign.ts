/**
 * DomainKeys signing (RFC 4870 §3.5, the signing process): RSA-SHA1 (PKCS#1 v1.5) over the
 * canonicalized signed header fields, the separator line and the body.
 */
import { createSign, type KeyObject } from "node:crypto";
import { domainNameProblem, selectorProblem } from "../dns/names.js";
import type { HeaderField } from "../message/header-fields.js";
import { canonicalHeader, createDkBodyCanonicalizer, type DkMethod } from "./canonicalize.js";
import { selectSignedFields } from "./header-selection.js";
import { formatDkSignature } from "./signature-header.js";

/** What to sign with. */
export interface DomainKeysSignerOptions {
  /** d=: the signing domain. */
  domain: string;
  /** s=: the selector; the public key is at `selector._domainkey.domain`. */
  selector: string;
  /** An RSA private key (DomainKeys has no other algorithm, RFC 4870 §3.3). */
  privateKey: KeyObject;
  /** c=: nofws (RFC 4870 §3.4.2.2, more robust in transit) or simple (§3.4.2.1). */
  method: DkMethod;
  /**
   * h=: the names of the fields to sign. Omitted or empty: no h= tag, so every field below the
   * signature is signed, and a field added later in transit breaks the signature.
   */
  headers?: string[];
}

/** A signer fed with the body in chunks. */
export interface DomainKeysSigner {
  /** Adds the next piece of the body (CRLF line ends; split anywhere). */
  update(bodyChunk: Buffer): void;
  /**
   * The complete `DomainKey-Signature:` field without the final CRLF, folded under 78 columns. It
   * must be placed above all the fields that were passed to the signer. Call once.
   */
  finish(): string;
}

/**
 * Starts a DomainKeys signature over `headerFields` (all of the message's header fields, which will
 * all be below the new signature). h= names are written lower-cased, each once: a name listed once
 * covers all its instances (see selectSignedFields), which is what a signer means.
 *
 * Throws TypeError when the key is not an RSA private key and RangeError for an invalid domain or
 * selector (the CLI checks these first; they are programming errors here). It does not refuse short
 * keys: the caller decides, because DomainKeys keys were commonly 512-1024 bits.
 */
export function createDomainKeysSigner(
  opts: DomainKeysSignerOptions,
  headerFields: HeaderField[],
): DomainKeysSigner {
  if (opts.privateKey.type !== "private" || opts.privateKey.asymmetricKeyType !== "rsa") {
    throw new TypeError("DomainKeys signs with an RSA private key only (RFC 4870 §3.3)");
  }
  const dProblem = domainNameProblem(opts.domain);
  if (dProblem) throw new RangeError(`domain ${opts.domain} ${dProblem}`);
  const sProblem = selectorProblem(opts.selector);
  if (sProblem) throw new RangeError(`selector ${opts.selector} ${sProblem}`);
  const names =
    opts.headers && opts.headers.length > 0
      ? [...new Set(opts.headers.map((n) => n.trim().toLowerCase()))]
      : null;
  const signer = createSign("RSA-SHA1");
  for (const field of selectSignedFields(headerFields, names))
    signer.update(canonicalHeader(opts.method, field));
  const body = createDkBodyCanonicalizer(opts.method, (bytes) => signer.update(bytes));
  let finished = false;
  return {
    update(bodyChunk: Buffer): void {
      if (finished) throw new Error("DomainKeys signer: update() after finish()");
      body.push(bodyChunk);
    },
    finish(): string {
      if (finished) throw new Error("DomainKeys signer: finish() called twice");
      finished = true;
      body.end();
      const b = signer.sign(opts.privateKey).toString("base64");
      return formatDkSignature({
        method: opts.method,
        domain: opts.domain,
        selector: opts.selector,
        headers: names,
        b,
      });
    },
  };
}
