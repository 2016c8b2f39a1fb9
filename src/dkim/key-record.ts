import type { DkimKeyType } from "./keygen.js";

/** A DNS TXT character-string holds at most 255 bytes (RFC 1035 §3.3). */
export const MAX_TXT_STRING = 255;

/** Which form of key record to publish. */
export type KeyRecordForm = "dkim" | "domainkeys";

export interface KeyRecordOptions {
  type: DkimKeyType;
  /** The `p=` value (base64). */
  publicKey: string;
  /** Publish `t=y` (testing: verifiers must not treat failures differently, RFC 6376 §3.6.1). */
  testing?: boolean;
  /** `dkim` (default): `v=DKIM1; k=…; p=…`. `domainkeys`: RFC 4870's form, `k=rsa; p=…` with no `v=`. */
  form?: KeyRecordForm;
}

/**
 * The TXT value of a `selector._domainkey` record. Throws a RangeError for a DomainKeys record of an
 * Ed25519 key (RFC 4870 knows only RSA).
 */
export function keyRecordValue(o: KeyRecordOptions): string {
  const form = o.form ?? "dkim";
  if (form === "domainkeys") {
    if (o.type !== "rsa") throw new RangeError("DomainKeys (RFC 4870) supports only RSA keys");
    return ["k=rsa", ...(o.testing ? ["t=y"] : []), `p=${o.publicKey}`].join("; ");
  }
  return ["v=DKIM1", `k=${o.type}`, ...(o.testing ? ["t=y"] : []), `p=${o.publicKey}`].join("; ");
}

/** The owner name of a key record, with the trailing dot: `selector._domainkey.domain.`. */
export function keyRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain.replace(/\.$/, "")}.`;
}

/**
 * Splits a TXT value into character-strings of at most `max` bytes (UTF-8), never inside a
 * multi-byte character. Resolvers join them again with no separator (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
 */
export function splitTxtStrings(value: string, max: number = MAX_TXT_STRING): string[] {
  const bytes = Buffer.from(value, "utf8");
  const parts: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + max, bytes.length);
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
  }
  return parts.length > 0 ? parts : [""];
}

/** Quotes one character-string for a zone file: backslash and double quote escaped. */
export function quoteTxtString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A BIND zone-file TXT record. One string fits on one line; longer values are split at 255 bytes
 * into quoted strings inside parentheses, one per line, the way opendkim-genkey writes them.
 */
export function bindTxtRecord(name: string, value: string, ttl?: number): string {
  const strings = splitTxtStrings(value).map(quoteTxtString);
  const head = `${name}${ttl === undefined ? "" : `\t${ttl}`}\tIN\tTXT\t`;
  if (strings.length === 1) return `${head}${strings[0]}`;
  return `${head}( ${strings.join("\n\t\t")} )`;
}
