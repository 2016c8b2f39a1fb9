/**
 * DKIM canonicalization (RFC 6376 §3.4): header fields one at a time, the body incrementally.
 * Input is CRLF-normalised (src/message/message-reader.ts); a lone CR is data.
 */
import type { HeaderField } from "../message/header-fields.js";

/** A canonicalization algorithm name (RFC 6376 §3.4). */
export type Canon = "simple" | "relaxed";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const CRLF = Buffer.from("\r\n");

/**
 * One header field canonicalized, with its trailing CRLF unless `withCrlf` is false (the
 * DKIM-Signature itself is hashed without it, RFC 6376 §3.7).
 * simple (§3.4.1): the field unchanged. relaxed (§3.4.2): lower-case name, unfolded, WSP runs
 * reduced to one SP, WSP at the end of the value and around the colon removed.
 */
export function canonicalizeHeader(field: HeaderField, canon: Canon, withCrlf = true): Buffer {
  if (canon === "simple") return withCrlf ? Buffer.concat([field.raw, CRLF]) : field.raw;
  const value = field.value
    .toString("latin1")
    .replace(/\r\n(?=[ \t])/g, "")
    .replace(/[\r\n]/g, "") // defensive: RFC 5322 forbids other CR/LF in a field
    .replace(/[ \t]+/g, " ")
    .replace(/^ /, "")
    .replace(/ $/, "");
  return Buffer.from(`${field.key}:${value}${withCrlf ? "\r\n" : ""}`, "latin1");
}

/** An incremental body canonicalizer: canonical bytes go to the `out` callback as they are known. */
export interface BodyCanonicalizer {
  /** Feeds a piece of the CRLF-normalised body (any split). */
  push(chunk: Buffer): void;
  /** Ends the body and emits what was held back (the final CRLF rules). */
  end(): void;
}

/** Emits `n` CRLFs in pieces of at most 64 KiB. */
function emitCrlfs(n: number, out: (b: Buffer) => void): void {
  const MAX = 32 * 1024;
  while (n > 0) {
    const k = Math.min(n, MAX);
    out(Buffer.from("\r\n".repeat(k), "latin1"));
    n -= k;
  }
}

/**
 * simple body canonicalization (RFC 6376 §3.4.3): empty lines at the end are removed and the body
 * ends with exactly one CRLF; an empty body becomes one CRLF. Trailing CRLFs are held back (as a
 * count) until later data shows they are inside the body.
 */
function simpleBody(out: (b: Buffer) => void): BodyCanonicalizer {
  let held = 0; // CRLFs seen after the last data byte
  let heldCr = false; // a CR at the end of the last chunk (maybe the start of a CRLF)
  return {
    push(chunk) {
      if (chunk.length === 0) return;
      let start = 0;
      if (heldCr) {
        heldCr = false;
        if (chunk[0] === LF) {
          held++;
          start = 1;
        } else {
          emitCrlfs(held, out);
          held = 0;
          out(Buffer.from([CR]));
        }
      }
      let i = chunk.length;
      let trailingCr = false;
      if (i > start && chunk[i - 1] === CR) {
        trailingCr = true;
        i--;
      }
      let n = 0;
      while (i - 2 >= start && chunk[i - 2] === CR && chunk[i - 1] === LF) {
        i -= 2;
        n++;
      }
      if (i > start) {
        emitCrlfs(held, out);
        out(chunk.subarray(start, i));
        held = n;
      } else {
        held += n;
      }
      heldCr = trailingCr;
    },
    end() {
      if (heldCr) {
        emitCrlfs(held, out);
        out(Buffer.from([CR]));
      }
      out(CRLF);
    },
  };
}

/**
 * relaxed body canonicalization (RFC 6376 §3.4.4): WSP at line ends removed, WSP runs reduced to
 * one SP, empty lines at the end removed; a non-empty body ends with CRLF, an empty one stays empty.
 */
function relaxedBody(out: (b: Buffer) => void): BodyCanonicalizer {
  // State between pushes (copied to locals inside push: the byte loop is the hot path).
  let heldLines = 0; // line ends seen since the last data byte
  let pendingWsp = false; // a WSP run not yet emitted
  let pendingCr = false; // a CR not yet known to start a CRLF
  let emitted = false; // whether any data byte was emitted
  return {
    push(chunk) {
      const n = chunk.length;
      let held = heldLines;
      let wsp = pendingWsp;
      let cr = pendingCr;
      let any = emitted;
      // Room for every input byte, a pending SP and CR, and (up to 64 KiB of) carried empty lines.
      const buf = Buffer.allocUnsafe(n + 4 + 2 * Math.min(held, 32768));
      let j = 0;
      // Fast path: between "dirty" spots (HTAB, two SPs, SP before CR) a line is already canonical
      // and is copied as a block. The end of the chunk (WSP, CR, LF that later bytes may change)
      // and the dirty spots go through the byte loop.
      const dirty = new DirtyFinder(chunk);
      let tail = n;
      while (tail > 0 && isWspOrLineEnd(chunk[tail - 1]!)) tail--;
      for (let k = 0; k < n; k++) {
        if (!cr && !wsp && held === 0 && k < tail) {
          let e = Math.min(dirty.next(k), tail);
          while (e > k && isWspOrLineEnd(chunk[e - 1]!)) e--;
          if (e > k) {
            if (e - k >= 4096) {
              // Long clean runs go out as they are (no copy).
              if (j > 0) out(Buffer.from(buf.subarray(0, j)));
              j = 0;
              out(chunk.subarray(k, e));
            } else j += chunk.copy(buf, j, k, e);
            any = true;
            k = e;
            if (k >= n) break;
          }
        }
        const b = chunk[k]!;
        if (cr) {
          cr = false;
          if (b === LF) {
            wsp = false;
            held++;
            continue;
          }
          // A lone CR is data.
          if (held > 0) {
            if (j + 2 * held + 2 <= buf.length) {
              for (; held > 0; held--) {
                buf[j++] = CR;
                buf[j++] = LF;
              }
            } else {
              // Many empty lines carried over from earlier chunks: emit them separately.
              if (j > 0) out(Buffer.from(buf.subarray(0, j))); // buf is reused below
              j = 0;
              emitCrlfs(held, out);
              held = 0;
            }
          }
          if (wsp) buf[j++] = SP;
          wsp = false;
          buf[j++] = CR;
          any = true;
        }
        if (b === SP || b === HTAB) {
          wsp = true;
        } else if (b === CR) {
          cr = true;
        } else {
          if (held > 0) {
            if (j + 2 * held + 2 <= buf.length) {
              for (; held > 0; held--) {
                buf[j++] = CR;
                buf[j++] = LF;
              }
            } else {
              // Many empty lines carried over from earlier chunks: emit them separately.
              if (j > 0) out(Buffer.from(buf.subarray(0, j))); // buf is reused below
              j = 0;
              emitCrlfs(held, out);
              held = 0;
            }
          }
          if (wsp) {
            buf[j++] = SP;
            wsp = false;
          }
          buf[j++] = b;
          any = true;
        }
      }
      if (j > 0) out(buf.subarray(0, j));
      heldLines = held;
      pendingWsp = wsp;
      pendingCr = cr;
      emitted = any;
    },
    end() {
      if (pendingCr) {
        emitCrlfs(heldLines, out);
        heldLines = 0;
        out(Buffer.from(pendingWsp ? " \r" : "\r", "latin1"));
        emitted = true;
      }
      if (emitted) out(CRLF);
    },
  };
}

function isWspOrLineEnd(b: number): boolean {
  return b === SP || b === HTAB || b === CR || b === LF;
}

/**
 * Finds the next place relaxed canonicalization changes something: an HTAB, or an SP followed by
 * SP, HTAB or CR. One pass over the bytes, remembered between calls.
 */
class DirtyFinder {
  private found = -2; // last result; -2 unknown
  constructor(private readonly chunk: Buffer) {
    // Attachments (base64) have no WSP at all: two native memchr scans settle the whole chunk.
    if (chunk.indexOf(SP) < 0 && chunk.indexOf(HTAB) < 0) this.found = chunk.length;
  }
  /** The first dirty offset at or after `from`, or the chunk length. */
  next(from: number): number {
    if (this.found >= from) return this.found;
    if (this.found === this.chunk.length) return this.found;
    const c = this.chunk;
    const n = c.length;
    let i = from;
    for (; i < n; i++) {
      const b = c[i]!;
      if (b === HTAB) break;
      if (b === SP && i + 1 < n) {
        const d = c[i + 1]!;
        if (d === SP || d === HTAB || d === CR) break;
      }
    }
    this.found = i;
    return i;
  }
}

/** A body canonicalizer for `canon` that passes canonical bytes to `out`. */
export function createBodyCanonicalizer(canon: Canon, out: (b: Buffer) => void): BodyCanonicalizer {
  return canon === "simple" ? simpleBody(out) : relaxedBody(out);
}
