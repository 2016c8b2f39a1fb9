/** The streaming message reader: header/body split, LF → CRLF once at input, any chunking. */
import { describe, expect, it } from "@jest/globals";
import {
  createMessageReader,
  readAll,
  describeMessageProblem,
  type MessageHead,
} from "../../src/message/message-reader.js";

function read(pieces: Buffer[]) {
  let head: MessageHead | null = null;
  const body: Buffer[] = [];
  const r = createMessageReader({ head: (h) => (head = h), body: (c) => body.push(Buffer.from(c)) });
  for (const p of pieces) {
    const problem = r.push(p);
    if (problem) return { problem };
  }
  const problem = r.end();
  if (problem) return { problem };
  const h = head as MessageHead | null;
  return {
    names: h!.fields.map((f) => f.name),
    raw: h!.fields.map((f) => f.raw.toString("latin1")),
    lineEnding: h!.lineEnding,
    hasSeparator: h!.hasSeparator,
    body: Buffer.concat(body).toString("latin1"),
  };
}

const MESSAGES = [
  "From: a\r\nSubject: x\r\n\ty\r\n\r\nbody\r\nline 2\r\n",
  "From: a\nSubject: x\n\ty\n\nbody\nline 2\n",
  "From: a\r\n\r\n",
  "From: a\r\nTo: b\r\n",
  "\r\nbody only",
  "From: a\n\n\n\nbody\r\nmixed\n",
  "From: a\r\n\r\nx\ry\r",
];

describe("createMessageReader", () => {
  it.each(MESSAGES)("%j reads the same at every split point", (m) => {
    const buf = Buffer.from(m, "latin1");
    const whole = read([buf]);
    expect(whole).not.toHaveProperty("problem");
    for (let i = 0; i <= buf.length; i++) {
      for (let j = i; j <= buf.length; j++) {
        expect(read([buf.subarray(0, i), buf.subarray(i, j), buf.subarray(j)])).toEqual(whole);
      }
    }
  });
  it.each([
    ["From: a\r\nSubject: x\r\n\ty\r\n\r\nbody\r\n", ["From", "Subject"], "CRLF", "body\r\n"],
    ["From: a\nSubject: x\n\ty\n\nbody\n", ["From", "Subject"], "LF", "body\r\n"],
    ["From: a\r\nTo: b\r\n", ["From", "To"], "CRLF", ""],
    ["From: a\n\n\n\nbody\r\nmixed\n", ["From"], "LF", "\r\n\r\nbody\r\nmixed\r\n"],
  ])("%j", (m, names, lineEnding, body) => {
    expect(read([Buffer.from(m, "latin1")])).toMatchObject({ names, lineEnding, body });
  });
  it("keeps folding in raw, CRLF-normalised", () => {
    expect(read([Buffer.from("Subject: x\n\ty\n\nb")])).toMatchObject({ raw: ["Subject: x\r\n\ty"] });
  });
  it.each([
    ["", "empty"],
    ["no colon here\nat all\n", "header"],
    [" starts with space: x\n\n", "header"],
    ["From: a\x00b\n\n", "binary"],
  ])("%j is a problem (%s)", (m, kind) => {
    const r = read([Buffer.from(m, "latin1")]);
    expect(r).toMatchObject({ problem: { kind } });
    expect(
      describeMessageProblem((r as { problem: Parameters<typeof describeMessageProblem>[0] }).problem),
    ).toMatch(/\w/);
  });
  it("refuses a header block over 1 MiB", () => {
    const r = read([Buffer.from(`X: ${"a".repeat(1024 * 1024 + 10)}`)]);
    expect(r).toMatchObject({ problem: { kind: "header-too-large" } });
  });
});

describe("readAll and the last body chunk", () => {
  /** The body chunks with their `last` flags, for `input` read by readAll. */
  function lastFlags(input: Buffer[]) {
    const seen: [string, boolean | undefined][] = [];
    const r = createMessageReader({ head: () => {}, body: (c, _s, last) => seen.push([c.toString(), last]) });
    expect(readAll(r, input)).toBeNull();
    return seen;
  }
  it("marks the body of a message in one piece as last", () => {
    expect(lastFlags([Buffer.from("From: a\r\n\r\nbody\r\n")])).toEqual([["body\r\n", true]]);
  });
  it("marks only the chunk from the array's last element", () => {
    expect(lastFlags([Buffer.from("From: a\r\n\r\nbo"), Buffer.from("dy\n")])).toEqual([
      ["bo", false],
      ["dy\r\n", true],
    ]);
    // An empty last element: no chunk is marked (the body was not known to be whole).
    expect(lastFlags([Buffer.from("From: a\r\n\r\nbody"), Buffer.alloc(0)])).toEqual([["body", false]]);
  });
  it("never marks chunks of a stream (the end is not known until it comes)", async () => {
    const seen: (boolean | undefined)[] = [];
    const r = createMessageReader({ head: () => {}, body: (_c, _s, last) => seen.push(last) });
    async function* stream() {
      yield Buffer.from("From: a\r\n\r\nbody\r\n");
    }
    expect(await readAll(r, stream())).toBeNull();
    expect(seen).toEqual([undefined]);
  });
});
