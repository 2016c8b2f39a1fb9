/**
 * Checking a published key record the way opendkim-testkey does, with clearer findings: is there
 * exactly one record, does it parse, what key is it, is it revoked or in testing, and does a given
 * private key match it. DNSSEC is not checked (its absence is not a problem).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import type { DnsAnswer } from "../dns/resolver.js";
import { MIN_RSA_BITS } from "./keygen.js";
import { parseKeyRecord, type KeyRecord } from "./key-record-parse.js";

/** How the check ended: usable, private key mismatch, DNS trouble, or no usable record. */
export type KeyCheckStatus = "ok" | "mismatch" | "temperror" | "permerror";

/** What `check-key` reports. */
export interface KeyCheckReport {
  status: KeyCheckStatus;
  name: string;
  /** The TXT records found (strings joined). */
  records: string[];
  /** The parsed record (the first that parses). */
  record: Omit<KeyRecord, "key"> | null;
  /** Problems that make verifiers fail (permerror), in plain words. */
  problems: string[];
  /** Things that work but deserve attention. */
  warnings: string[];
  /** With a private key: whether it matches p=; null when none was given or no key was read. */
  privateKeyMatches: boolean | null;
}

/** Whether two public keys are the same (compared as SubjectPublicKeyInfo DER). */
function sameKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) => k.export({ type: "spki", format: "der" });
  return der(a).equals(der(b));
}

/**
 * Builds the report from the DNS answer for `name` (selector._domainkey.domain) and an optional
 * private key. RFC 6376 §3.6.1 decides what is a problem; RFC 8301 §3.2 makes RSA keys under 1024
 * bits a problem; several records are a problem because verifiers may pick any (§3.6.2.2).
 */
export function checkKeyRecord(
  name: string,
  answer: DnsAnswer<string>,
  privateKey?: KeyObject,
): KeyCheckReport {
  const report: KeyCheckReport = {
    status: "ok",
    name,
    records: [],
    record: null,
    problems: [],
    warnings: [],
    privateKeyMatches: null,
  };
  if (answer.kind === "error") {
    report.status = answer.temporary ? "temperror" : "permerror";
    report.problems.push(`DNS error: ${answer.detail}`);
    return report;
  }
  if (answer.kind !== "ok" || answer.records.length === 0) {
    report.status = "permerror";
    report.problems.push(
      answer.kind === "nxdomain" ? `${name} does not exist (NXDOMAIN)` : `${name} has no TXT record`,
    );
    return report;
  }
  report.records = answer.records;
  if (answer.records.length > 1) {
    report.problems.push(
      `${answer.records.length} TXT records at ${name}; publish exactly one (verifiers may use any)`,
    );
  }
  let parsed: KeyRecord | null = null;
  for (const txt of answer.records) {
    const r = parseKeyRecord(txt);
    if ("record" in r) {
      parsed ??= r.record;
    } else report.problems.push(`${r.problem.reason} (tag ${r.problem.tag})`);
  }
  if (!parsed) {
    report.status = "permerror";
    return report;
  }
  const { key, ...rest } = parsed;
  report.record = rest;
  report.warnings.push(...parsed.warnings);
  if (parsed.revoked) report.problems.push("the key is revoked (empty p=)");
  if (parsed.keyType === "rsa" && !parsed.revoked) {
    if (parsed.bits < MIN_RSA_BITS)
      report.problems.push(
        `${parsed.bits}-bit RSA key: verifiers must not accept keys under ${MIN_RSA_BITS} bits (RFC 8301 §3.2)`,
      );
    else if (parsed.bits < 2048) report.warnings.push(`${parsed.bits}-bit RSA key: 2048 bits is recommended`);
  }
  if (parsed.testing)
    report.warnings.push(
      "t=y: testing mode; verifiers must treat signed mail like unsigned mail (RFC 6376 §3.6.1): remove t=y once signatures verify",
    );
  if (parsed.strictIdentity)
    report.warnings.push("t=s: signatures whose i= is in a subdomain of d= will fail (RFC 6376 §3.6.1)");
  if (parsed.hashes?.some((h) => h.includes("-"))) {
    report.problems.push(`h=${parsed.hashes.join(":")} lists algorithms; h= takes hash names such as sha256`);
  } else if (parsed.hashes && !parsed.hashes.includes("sha256")) {
    report.problems.push(
      `h=${parsed.hashes.join(":")} does not allow sha256, so no rsa-sha256/ed25519-sha256 signature can verify`,
    );
  }
  if (parsed.version === null) report.warnings.push("no v=DKIM1 (optional, but recommended)");
  if (privateKey && key) {
    report.privateKeyMatches = sameKey(createPublicKey(privateKey), key);
    const ownType = privateKey.asymmetricKeyType;
    if (ownType !== parsed.keyType) {
      report.warnings.push(
        `the private key is ${ownType === "ed25519" ? "an Ed25519" : `an ${String(ownType).toUpperCase()}`} key; the record publishes k=${parsed.keyType}`,
      );
    }
  }
  if (report.problems.length > 0) report.status = "permerror";
  else if (report.privateKeyMatches === false) report.status = "mismatch";
  return report;
}
