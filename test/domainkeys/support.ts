import { readFileSync } from "node:fs";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { join } from "node:path";
import type { DnsAnswer, Resolver } from "../../src/dns/resolver.js";
import { parseHeaderFields, type HeaderField } from "../../src/message/header-fields.js";
import { createDomainKeysVerifier, type DomainKeysOutcome } from "../../src/domainkeys/index.js";
import { REPO_ROOT } from "../helpers/shared.js";

/** A message split into header fields and body (the bytes after the empty line). */
export interface SplitMessage {
  fields: HeaderField[];
  body: Buffer;
}

/** Splits a CRLF message at the first empty line. */
export function splitMessage(msg: Buffer): SplitMessage {
  let headerEnd: number;
  let bodyStart: number;
  if (msg.subarray(0, 2).toString() === "\r\n") {
    headerEnd = 0;
    bodyStart = 2;
  } else {
    const i = msg.indexOf("\r\n\r\n");
    headerEnd = i < 0 ? msg.length : i + 2;
    bodyStart = i < 0 ? msg.length : i + 4;
  }
  const parsed = parseHeaderFields(msg.subarray(0, headerEnd));
  if ("problem" in parsed) throw new Error(`bad header block: ${JSON.stringify(parsed.problem)}`);
  return { fields: parsed.fields, body: msg.subarray(bodyStart) };
}

/** A DNS map as in vectors.json: name -> TXT value, or {error}. */
export type DnsMap = Record<string, string | { error: string }>;

/** A Resolver answering TXT from a vector's `dns` map (unknown names: NXDOMAIN). */
export function mapResolver(dns: DnsMap): Resolver {
  const lower = new Map(Object.entries(dns).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ""), v]));
  const none = <T>(): Promise<DnsAnswer<T>> => Promise.resolve({ kind: "nxdomain" });
  return {
    txt(name: string): Promise<DnsAnswer<string>> {
      const v = lower.get(name.toLowerCase().replace(/\.$/, ""));
      if (v === undefined) return Promise.resolve({ kind: "nxdomain" });
      if (typeof v === "string") return Promise.resolve({ kind: "ok", records: [v] });
      if (v.error === "NXDOMAIN") return Promise.resolve({ kind: "nxdomain" });
      return Promise.resolve({ kind: "error", temporary: true, detail: v.error });
    },
    a: none,
    aaaa: none,
    mx: none,
    ptr: none,
  };
}

/** Verifies every DomainKey-Signature of `msg`, top to bottom, feeding the body in `chunkSize` pieces. */
export async function verifyAllDk(
  msg: Buffer,
  resolver: Resolver,
  legacy: boolean,
  chunkSize = 4096,
): Promise<DomainKeysOutcome[]> {
  const { fields, body } = splitMessage(msg);
  const outcomes: DomainKeysOutcome[] = [];
  for (let i = 0; i < fields.length; i++) {
    if (fields[i]!.key !== "domainkey-signature") continue;
    const v = createDomainKeysVerifier(fields, i, { resolver, legacy });
    for (let off = 0; off < body.length; off += chunkSize) v.update(body.subarray(off, off + chunkSize));
    outcomes.push(await v.finish());
  }
  return outcomes;
}

/** Mail::DKIM's result word for an outcome (as used by vectors.json `expect`). */
export function mailDkimWord(o: DomainKeysOutcome): string {
  switch (o.result) {
    case "pass":
      return "pass";
    case "fail":
      return "fail";
    case "permerror":
    case "temperror":
      return "invalid";
    default:
      return o.result;
  }
}

/** The committed 1024-bit fixture key of this area. */
export const FIXTURE_KEY_PATH = join(REPO_ROOT, "test/fixtures/domainkeys/dk-test-1024.pem");

/** The fixture private key and its p= value (base64 DER SubjectPublicKeyInfo). */
export function fixtureKey(): { privateKey: KeyObject; p: string } {
  const privateKey = createPrivateKey(readFileSync(FIXTURE_KEY_PATH));
  const p = createPublicKey(privateKey).export({ format: "der", type: "spki" }).toString("base64");
  return { privateKey, p };
}
