/**
 * The verifier's promise handling (src/dkim/verify-message.ts, src/dkim/verify.ts): an in-memory
 * message gives the same outcomes as the same bytes streamed in random pieces, a resolver that
 * rejects gives a temperror, and one that throws synchronously rejects the call (as an async
 * function would).
 */
import { createPrivateKey } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { prepareSignRequest, signMessage } from "../../src/dkim/sign-message.js";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import type { Resolver } from "../../src/dns/resolver.js";
import { fixture, fixtureResolver } from "./fixtures.js";

const MESSAGE = Buffer.from(
  "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hi\r\n  folded\r\n\r\n" +
    "Body  with\tspaces \r\nand lines\r\n\r\n",
);

async function signed(selectors: string[]): Promise<Buffer> {
  const reqs = selectors.map((s) =>
    prepareSignRequest({
      domain: "example.com",
      selector: s,
      privateKey: createPrivateKey(fixture(s === "ed" ? "ed25519.pem" : "rsa2048.pem")),
      algorithm: s === "ed" ? "ed25519-sha256" : "rsa-sha256",
      headerCanon: "relaxed",
      bodyCanon: "relaxed",
      oversign: true,
      timestamp: 1795600000,
    }),
  );
  const r = await signMessage([MESSAGE], reqs);
  if (r.kind !== "ok") throw new Error("sign failed");
  return Buffer.concat([Buffer.from(r.fields.map((f) => `${f}\r\n`).join(""), "latin1"), MESSAGE]);
}

async function* pieces(b: Buffer, cuts: number[]): AsyncIterable<Buffer> {
  let at = 0;
  for (const c of cuts) {
    yield b.subarray(at, Math.min(c, b.length));
    at = Math.min(c, b.length);
  }
  yield b.subarray(at);
}

const now = new Date("2026-11-25T12:00:00Z");

describe("verifyMessage promise handling", () => {
  it("gives the same outcomes in memory and streamed in pieces, one or two signatures", async () => {
    for (const sels of [["rsa"], ["rsa", "ed"], ["rsa", "missing"]]) {
      const msg = await signed(sels);
      const o = { resolver: fixtureResolver(), legacy: false, now, keyCache: new Map() };
      const mem = await verifyMessage([msg], o);
      if (mem.kind !== "ok") throw new Error("not ok");
      expect(mem.dkim.map((d) => d.result)).toEqual(
        sels.map((s) => (s === "missing" ? "permerror" : "pass")),
      );
      for (const cuts of [[1], [7, 90, 91, 300], [msg.length - 3]]) {
        expect(await verifyMessage(pieces(msg, cuts), o)).toEqual(mem);
      }
    }
  });

  it("turns a rejected lookup into temperror and a synchronous throw into a rejection", async () => {
    const msg = await signed(["rsa"]);
    const rejecting = { txt: () => Promise.reject(new Error("boom")) } as unknown as Resolver;
    const r = await verifyMessage([msg], { resolver: rejecting, legacy: false, now });
    expect(r.kind === "ok" && r.dkim[0]?.result).toBe("temperror");
    const throwing = {
      txt: () => {
        throw new Error("sync boom");
      },
    } as unknown as Resolver;
    const p = verifyMessage([msg], { resolver: throwing, legacy: false, now });
    expect(p).toBeInstanceOf(Promise);
    await expect(p).rejects.toThrow("sync boom");
  });

  it("reports a message problem without a lookup", async () => {
    const r = await verifyMessage([Buffer.from(" starts folded\r\n\r\n")], {
      resolver: fixtureResolver(),
      legacy: false,
      now,
    });
    expect(r).toEqual({
      kind: "problem",
      problem: { kind: "header", problem: { kind: "starts-with-continuation" } },
    });
  });
});
