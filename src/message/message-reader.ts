/**
 * Incremental message reader: splits a byte stream into the header block and the body (RFC 5322
 * §2.1: header fields, an empty line, the body) without ever holding the body. Bare LF line ends
 * are read as CRLF, once, here (files from Maildir, mbox and editors use LF); a CR already before
 * an LF is kept, and a lone CR is data.
 */
import { createByteScanner, SCAN_AFTER, SCAN_CHUNK, type ByteScanner } from "./byte-scan.js";
import { parseHeaderFields, type HeaderField, type HeaderProblem } from "./header-fields.js";

const CR = 0x0d;
const LF = 0x0a;
const CRLFCRLF = Buffer.from("\r\n\r\n");

/** Largest header block accepted (1 MiB); more than that is not a message. */
export const MAX_HEADER_BYTES = 1024 * 1024;

/** The line-ending convention of the input, decided by its first line end. */
export type LineEnding = "CRLF" | "LF";

/** Why the input is not a message. */
export type MessageProblem =
  | { kind: "empty" }
  | { kind: "header-too-large"; limit: number }
  | { kind: "binary"; offset: number }
  | { kind: "header"; problem: HeaderProblem };

/** What the reader reports once the header block is complete. */
export interface MessageHead {
  fields: HeaderField[];
  /** The input's line-ending convention (signed output keeps it). */
  lineEnding: LineEnding;
  /** Whether there was an empty line after the header block. */
  hasSeparator: boolean;
}

/** Callbacks of {@link createMessageReader}. */
export interface MessageSink {
  /** Called once, when the header block is complete (before any body chunk). */
  head(head: MessageHead): void;
  /**
   * Called with each CRLF-normalised body chunk, in order; the chunks together are the body.
   * `scanned`: a SIMD scanner that holds this chunk already (pass it on to body canonicalizers).
   * `last`: the input said no more bytes follow (see MessageReader.push).
   */
  body(chunk: Buffer, scanned?: ByteScanner, last?: boolean): void;
}

/** Options of {@link createMessageReader}. */
export interface MessageReaderOptions {
  /** Octets after which big chunks are checked with SIMD (default: byte-scan.ts SCAN_AFTER; tests lower it). */
  scanAfter?: number;
}

/** An incremental reader: push the raw bytes in any pieces, then call `end`. */
export interface MessageReader {
  /**
   * Feeds raw bytes. Returns a problem (and ignores further input) when the header is not valid.
   * `last`: the caller knows no bytes follow (`end` still has to be called); the body chunk made
   * from this one is then reported with `last`, so that a body in one piece can be handled whole.
   */
  push(chunk: Buffer, last?: boolean): MessageProblem | null;
  /** Ends the input; returns a problem when the message is empty or its header is not valid. */
  end(): MessageProblem | null;
}

/**
 * Converts bare LFs to CRLF in a stream; `lastWasCr` carries across chunk boundaries. In a large
 * message, big chunks are first checked with the SIMD scanner (byte-scan.ts): CRLF input, the
 * usual case, then passes without the per-line search.
 */
function normaliser(scanAfter: number): {
  normalise: (chunk: Buffer) => Buffer;
  scanned: () => ByteScanner | undefined;
} {
  let lastWasCr = false;
  let seen = 0;
  let scanner: ByteScanner | null | undefined; // undefined: not made yet; null: unavailable
  const normalise = (chunk: Buffer): Buffer => {
    seen += chunk.length;
    if (chunk.length >= Math.min(SCAN_CHUNK, scanAfter) && seen > scanAfter && chunk.length > 0) {
      if (scanner === undefined) scanner = createByteScanner();
      if (scanner !== null) {
        scanner.load(chunk, lastWasCr ? CR : -1);
        if (scanner.nextBareLf(0) >= chunk.length) {
          lastWasCr = chunk[chunk.length - 1] === CR;
          return chunk;
        }
      }
    }
    let count = 0;
    let prevCr = lastWasCr;
    // One Buffer.indexOf per line. A latin1 copy searched with String.indexOf was tried for small
    // chunks: each search is cheaper, but the copy (2.6 KB per bench message) cost more in GC.
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
      const before = i === 0 ? prevCr : chunk[i - 1] === CR;
      if (!before) count++;
    }
    if (chunk.length > 0) lastWasCr = chunk[chunk.length - 1] === CR;
    if (count === 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length + count);
    let j = 0;
    let from = 0;
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
      const before = i === 0 ? prevCr : chunk[i - 1] === CR;
      if (before) continue;
      j += chunk.copy(out, j, from, i);
      out[j++] = CR;
      from = i;
    }
    chunk.copy(out, j, from);
    prevCr = false;
    return out;
  };
  return { normalise, scanned: () => scanner ?? undefined };
}

/**
 * Creates a reader that reports the header fields once (through `sink.head`) and then streams the
 * body (through `sink.body`). The header is at most {@link MAX_HEADER_BYTES}; NUL bytes in it mean
 * binary input. A message without an empty line is all header (RFC 5322 allows an absent body);
 * an input that ends inside the header is read the same way. It does not interpret MIME.
 */
export function createMessageReader(sink: MessageSink, o: MessageReaderOptions = {}): MessageReader {
  const { normalise, scanned } = normaliser(o.scanAfter ?? SCAN_AFTER);
  let headParts: Buffer[] = [];
  let headLen = 0;
  let lineEnding: LineEnding | null = null;
  let inBody = false;
  let lastRawByte = -1;
  let failed: MessageProblem | null = null;

  const finishHead = (block: Buffer, hasSeparator: boolean): MessageProblem | null => {
    const nul = block.indexOf(0);
    if (nul >= 0) return { kind: "binary", offset: nul };
    const parsed = parseHeaderFields(block);
    if ("problem" in parsed) return { kind: "header", problem: parsed.problem };
    sink.head({ fields: parsed.fields, lineEnding: lineEnding ?? "CRLF", hasSeparator });
    inBody = true;
    return null;
  };

  const push = (raw: Buffer, last?: boolean): MessageProblem | null => {
    if (failed) return failed;
    if (lineEnding === null) {
      const lf = raw.indexOf(LF);
      if (lf >= 0) {
        const prevCr = lf > 0 ? raw[lf - 1] === CR : lastRawByte === CR;
        lineEnding = prevCr ? "CRLF" : "LF";
      }
    }
    if (raw.length > 0) lastRawByte = raw[raw.length - 1]!;
    const chunk = normalise(raw);
    if (inBody) {
      if (chunk.length > 0) sink.body(chunk, scanned(), last);
      return null;
    }
    headParts.push(chunk);
    const before = headLen;
    headLen += chunk.length;
    const all = headParts.length === 1 ? chunk : Buffer.concat(headParts, headLen);
    headParts = [all];
    // The separator is CRLF CRLF, or a CRLF at the very start (no header fields at all).
    const searchFrom = Math.max(0, before - 3);
    let sep = all[0] === CR && all[1] === LF ? 0 : all.indexOf(CRLFCRLF, searchFrom);
    if (sep > 0) sep += 2;
    if (sep < 0) {
      if (headLen > MAX_HEADER_BYTES) failed = { kind: "header-too-large", limit: MAX_HEADER_BYTES };
      return failed;
    }
    const block = all.subarray(0, sep);
    const bodyStart = sep + 2;
    failed = finishHead(block, true);
    if (failed) return failed;
    headParts = [];
    if (bodyStart < all.length) sink.body(all.subarray(bodyStart), undefined, last);
    return null;
  };

  const end = (): MessageProblem | null => {
    if (failed) return failed;
    if (inBody) return null;
    if (headLen === 0) return (failed = { kind: "empty" });
    const all = headParts[0]!;
    failed = finishHead(all, false);
    return failed;
  };

  return { push, end };
}

/**
 * Pushes all of `input` into `reader` and ends it; returns the first problem, or null. An array
 * (a message already in memory) is read synchronously: the result is then not a promise, which
 * saves the caller an await per message. `afterPush` runs after each successful push (a caller's
 * hook; it may throw).
 */
export function readAll(
  reader: MessageReader,
  input: AsyncIterable<Buffer> | Iterable<Buffer>,
  afterPush?: () => void,
): MessageProblem | null | Promise<MessageProblem | null> {
  if (!Array.isArray(input)) return readStream(reader, input, afterPush);
  const chunks = input as Buffer[];
  for (let i = 0; i < chunks.length; i++) {
    const problem = reader.push(chunks[i]!, i === chunks.length - 1);
    if (problem) return problem;
    afterPush?.();
  }
  return reader.end();
}

async function readStream(
  reader: MessageReader,
  input: AsyncIterable<Buffer> | Iterable<Buffer>,
  afterPush?: () => void,
): Promise<MessageProblem | null> {
  for await (const chunk of input) {
    const problem = reader.push(chunk);
    if (problem) return problem;
    afterPush?.();
  }
  return reader.end();
}

/** One line describing a message problem, for the CLI. */
export function describeMessageProblem(p: MessageProblem): string {
  switch (p.kind) {
    case "empty":
      return "the input is empty (no header fields)";
    case "header-too-large":
      return `no end of the header block in the first ${p.limit} bytes (is this a message?)`;
    case "binary":
      return `the header block contains a NUL byte at offset ${p.offset} (binary data, not a message)`;
    case "header":
      return p.problem.kind === "no-colon"
        ? `header line ${p.problem.line} is not a "Name: value" field (missing header/body separator?)`
        : "the message starts with a continuation line (white space), not a header field";
    default:
      return assertNever(p);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
