/**
 * The SMTP pieces of the filter (src/filter/smtp-io.ts): dot-stuffing both ways, replies on the
 * wire, and the reader: lines, multi-line replies and the DATA stream however the bytes are split.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { dotStuff, dotUnstuff, formatReply, reply, SmtpReader } from "../../src/filter/smtp-io.js";
import { splitAt } from "../helpers/split.js";

/** A reader fed from `pieces` (emitted one per tick), as from a socket. */
function readerOf(pieces: Buffer[]): SmtpReader {
  const fake = new EventEmitter() as unknown as Socket;
  (fake as unknown as { destroy: () => void }).destroy = () => undefined;
  const r = new SmtpReader(fake);
  void (async () => {
    for (const p of pieces) {
      await new Promise((res) => setImmediate(res));
      fake.emit("data", p);
    }
    await new Promise((res) => setImmediate(res));
    fake.emit("end");
  })();
  return r;
}

const line = fc.constantFrom("", ".", "..", ".x", "a.b", "text", " .", "\t", "é");
const message = fc
  .array(line, { maxLength: 12 })
  .map((ls) => Buffer.from(ls.map((l) => `${l}\r\n`).join(""), "latin1"));

describe("dot-stuffing", () => {
  it("round-trips: the stuffed stream ends with .CRLF and unstuffs to the message", () => {
    fc.assert(
      fc.property(message, (m) => {
        const s = dotStuff(m);
        expect(s.subarray(-3).toString()).toBe(".\r\n");
        expect(s.toString("latin1")).not.toMatch(/(^|\r\n)\.\r\n(?!$)/);
        expect(dotUnstuff(s.subarray(0, s.length - 3)).equals(m)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
  it("adds the missing final CRLF", () => {
    expect(dotStuff(Buffer.from("a\r\n.b")).toString()).toBe("a\r\n..b\r\n.\r\n");
    expect(dotStuff(Buffer.alloc(0)).toString()).toBe(".\r\n");
  });
});

describe("SmtpReader", () => {
  it("reads the DATA stream, and the pipelined command after it, split anywhere", async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.array(fc.nat(), { maxLength: 5 }), async (m, cuts) => {
        const wire = Buffer.concat([dotStuff(m), Buffer.from("QUIT\r\n")]);
        const r = readerOf(splitAt(wire, cuts).filter((p) => p.length > 0));
        const d = await r.data(1 << 20);
        expect(d).toEqual({ kind: "message", message: m });
        expect((await r.line())?.text).toBe("QUIT");
        expect(await r.line()).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
  it("reads an empty message and says when a message is over the limit", async () => {
    expect(await readerOf([Buffer.from(".\r\n")]).data(10)).toEqual({
      kind: "message",
      message: Buffer.alloc(0),
    });
    const big = readerOf([Buffer.from("x".repeat(100)), Buffer.from("y".repeat(100) + "\r\n.\r\nNOOP\r\n")]);
    expect(await big.data(50)).toMatchObject({ kind: "too-big" });
    expect((await big.line())?.text).toBe("NOOP");
  });
  it("reads multi-line replies and marks over-long lines", async () => {
    const r = readerOf([
      Buffer.from("250-one\r\n250-two\r\n250 three\r\n"),
      Buffer.from(`${"z".repeat(5000)}\r\nok\n`),
    ]);
    expect(await r.reply()).toEqual({ code: 250, lines: ["one", "two", "three"] });
    expect(await r.line()).toEqual({ text: "", tooLong: true });
    expect(await r.line()).toEqual({ text: "ok", tooLong: false });
    expect(await r.data(10)).toBeNull();
  });
  it("formats replies with continuation dashes", () => {
    expect(formatReply(reply(250, "a", "b"))).toBe("250-a\r\n250 b\r\n");
    expect(formatReply(reply(221))).toBe("221 \r\n");
  });
});
