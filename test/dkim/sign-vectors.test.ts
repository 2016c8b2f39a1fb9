/**
 * Exact-bytes sign vectors: go-msgauth's rsa-sha256 and ed25519-sha256 outputs, and RFC 8463
 * Appendix A.3, reproduced byte for byte (RSA PKCS#1 v1.5 and Ed25519 are deterministic).
 */
import { createPrivateKey } from "node:crypto";
import { expect, it } from "@jest/globals";
import { createDkimSigner, type DkimSignOptions } from "../../src/dkim/sign.js";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import { createMessageReader, type MessageHead } from "../../src/message/message-reader.js";
import { loadVectors, vectorBytes, vectorResolver, describeVectors } from "./vectors-support.js";

function readMessage(bytes: Buffer): { head: MessageHead; body: Buffer } {
  let head: MessageHead | null = null;
  const body: Buffer[] = [];
  const r = createMessageReader({ head: (h) => (head = h), body: (c) => body.push(Buffer.from(c)) });
  expect(r.push(bytes)).toBeNull();
  expect(r.end()).toBeNull();
  return { head: head!, body: Buffer.concat(body) };
}

function sign(input: Buffer, o: DkimSignOptions): string {
  const { head, body } = readMessage(input);
  const s = createDkimSigner(o, head.fields);
  s.update(body);
  return s.finish();
}

const firstSignature = (msg: Buffer, n = 0) =>
  msg
    .toString("latin1")
    .split(/\r\n(?=\S)/)
    .filter((l) => l.startsWith("DKIM-Signature:"))[n]!;
const bValue = (field: string) => /\bb=([^;]*)$/.exec(field)![1]!.replace(/\s+/g, "");

const signVectors = loadVectors().filter((v) => v.type === "dkim" && v.sign_input);

describeVectors("go-msgauth sign vectors", () => {
  it("there are two", () => {
    expect(signVectors.length).toBe(2);
  });
  it.each(signVectors.map((v) => [v.file, v] as const))("%s: same field, byte for byte", async (_f, v) => {
    const p = v.sign_params!;
    const keyFile = Object.values(v.private_keys!)[0]!;
    const [hc, bc] = p.c.split("/") as ["simple" | "relaxed", "simple" | "relaxed"];
    const field = sign(vectorBytes(v.sign_input!), {
      domain: p.d,
      selector: p.s,
      privateKey: createPrivateKey(vectorBytes(keyFile)),
      algorithm: p.a as "rsa-sha256" | "ed25519-sha256",
      headerCanon: hc,
      bodyCanon: bc,
      signedHeaders: p.h.split(":"),
      timestamp: p.t,
      layout: { order: "alphabetical", width: 75, countFieldName: false },
    });
    const expected = firstSignature(vectorBytes(v.file));
    expect(bValue(field)).toBe(bValue(expected));
    // Everything but b= folding is identical too.
    expect(field.replace(/\bb=[\s\S]*$/, "")).toBe(expected.replace(/\bb=[\s\S]*$/, ""));
    // And the signed message verifies.
    const signed = Buffer.concat([Buffer.from(`${field}\r\n`, "latin1"), vectorBytes(v.sign_input!)]);
    const r = await verifyMessage([signed], {
      resolver: vectorResolver(v.dns),
      legacy: false,
      now: new Date(),
    });
    expect(r.kind === "ok" && r.dkim.map((o) => o.result)).toEqual(["pass"]);
  });
});

describeVectors("RFC 8463 Appendix A.3", () => {
  const v = loadVectors().find((x) => x.file === "rfc8463/signed.eml");
  const cases = [
    ["ed25519-sha256", "brisbane", "rfc8463/ed25519.private.pem", 0],
    ["rsa-sha256", "test", "rfc8463/rsa.private.pem", 1],
  ] as const;
  it.each(cases)("%s signature (s=%s) is reproduced", (algorithm, selector, keyFile, n) => {
    if (!v) return;
    const signedMsg = vectorBytes(v.file);
    const unsigned = Buffer.from(
      signedMsg.toString("latin1").replace(/^(DKIM-Signature:[^\r]*\r\n([ \t][^\r]*\r\n)*)+/, ""),
      "latin1",
    );
    const field = sign(unsigned, {
      domain: "football.example.com",
      selector,
      privateKey: createPrivateKey(vectorBytes(keyFile)),
      algorithm,
      headerCanon: "relaxed",
      bodyCanon: "relaxed",
      signedHeaders: "from:to:subject:date:message-id:from:subject:date".split(":"),
      identity: "@football.example.com",
      query: true,
      timestamp: 1528637909,
      layout: { order: ["v", "a", "c", "d", "i", "q", "s", "t", "h", "bh"], headerSeparator: " : " },
    });
    expect(bValue(field)).toBe(bValue(firstSignature(signedMsg, n)));
  });
});
