import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { join } from "node:path";
import { createDomainKeysSigner, parseDkSignature } from "../../src/domainkeys/index.js";
import { conformancePath } from "../helpers/shared.js";
import { mailDkimWord, mapResolver, splitMessage, verifyAllDk, type DnsMap } from "./support.js";

interface Vector {
  file: string;
  type: string;
  dns: DnsMap;
  expect: string;
  per_signature?: string[];
  skip_reason?: string;
  note?: string;
  profile?: string[];
  sign_input?: string;
  private_keys?: Record<string, string>;
  sign_params?: Record<string, string>;
  expected_b_prefix?: string;
}

const dir = conformancePath("dkim");
const all: Vector[] = dir ? (JSON.parse(readFileSync(join(dir, "vectors.json"), "utf8")) as Vector[]) : [];
const only = process.env.SPFDK_CASE;
const dk = all.filter((v) => v.type === "domainkeys" && (!only || v.file.includes(only)));
const skipped = dk.filter((v) => v.skip_reason);
const run = dk.filter((v) => !v.skip_reason);
const read = (rel: string) => readFileSync(join(dir!, rel));
/** One test per vector; it.each refuses an empty table (no ../shared, or SPFDK_CASE left a group empty). */
const eachVector =
  (list: Vector[]) =>
  (title: string, fn: (file: string, v: Vector) => Promise<void>): void => {
    if (list.length > 0) it.each(list.map((v) => [v.file, v] as const))(title, fn);
  };
const weak = (v: Vector) => (v.profile ?? []).some((p) => /^(512|768)-bit/.test(p));

describe("DomainKeys vectors (legacy mode gives the manifest's expect)", () => {
  if (skipped.length > 0) {
    process.stderr.write(
      `DomainKeys vectors skipped:\n${skipped.map((v) => `  ${v.file}: ${v.skip_reason} (${v.note ?? ""})`).join("\n")}\n`,
    );
  }
  it("finds the DomainKeys vectors", () => {
    if (!dir || only) return expect(true).toBe(true);
    expect(run.length).toBeGreaterThanOrEqual(20);
  });
  eachVector(run)("%s", async (_file, v) => {
    const outcomes = await verifyAllDk(read(v.file), mapResolver(v.dns), true);
    expect(outcomes.length).toBeGreaterThan(0);
    const words = outcomes.map(mailDkimWord);
    if (v.per_signature) expect(words).toEqual(v.per_signature);
    // Mail::DKIM's overall result: the first passing signature, else the first signature's result.
    const overall = words.includes("pass") ? "pass" : words[0];
    expect({ overall, reasons: outcomes.map((o) => o.reason) }).toMatchObject({ overall: v.expect });
  });
});

describe("DomainKeys vectors in default (RFC 8301) mode", () => {
  const passing = run.filter((v) => v.expect === "pass");
  eachVector(passing)("%s: policy with a key under 1024 bits, else pass", async (_f, v) => {
    const outcomes = await verifyAllDk(read(v.file), mapResolver(v.dns), false);
    const results = outcomes.map((o) => o.result);
    if (weak(v)) expect(results).toContain("policy");
    else expect(results.every((r) => r === "pass")).toBe(true);
    expect(results).not.toContain("fail");
  });
});

describe("DomainKeys sign vectors reproduce Mail::DKIM's b=", () => {
  const signVectors = run.filter((v) => v.sign_input);
  it("has the four sign vectors", () => {
    if (!dir || only) return expect(true).toBe(true);
    expect(signVectors.length).toBe(4);
  });
  eachVector(signVectors)("%s", async (_f, v) => {
    const expectedMsg = read(v.file);
    const expectedSig = splitMessage(expectedMsg).fields[0]!;
    const expectedTags = parseDkSignature(expectedSig);
    if (!("tags" in expectedTags)) throw new Error(expectedTags.problem);
    const { fields, body } = splitMessage(read(v.sign_input!));
    const selector = v.sign_params!.s!;
    const signer = createDomainKeysSigner(
      {
        domain: v.sign_params!.d!,
        selector,
        privateKey: createPrivateKey(read(v.private_keys![selector]!)),
        method: v.sign_params!.c as "simple" | "nofws",
        // sign_params says "all present headers" for the h= cases; the file shows which names Mail::DKIM wrote.
        ...(expectedTags.tags.headers ? { headers: expectedTags.tags.headers } : {}),
      },
      fields,
    );
    signer.update(body);
    const field = signer.finish();
    for (const line of field.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    const b = /b=([A-Za-z0-9+/= \r\n\t]+)$/.exec(field)![1]!.replace(/\s+/g, "");
    expect(b.startsWith(v.expected_b_prefix!)).toBe(true);
    expect(Buffer.from(b, "base64")).toEqual(expectedTags.tags.signature);
    // Our own signature verifies with our verifier, as the vector's key record publishes it.
    const signed = Buffer.concat([Buffer.from(field + "\r\n"), read(v.sign_input!)]);
    const outcomes = await verifyAllDk(signed, mapResolver(v.dns), true);
    expect(outcomes.map((o) => o.result)).toEqual(["pass"]);
  });
});
