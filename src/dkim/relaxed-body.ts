/**
 * relaxed body canonicalization (RFC 6376 §3.4.4), incremental and fast: most of a body is already
 * canonical, so the input is passed on in verbatim spans (views of the input, or one copy into a
 * scratch buffer for short spans) and only the spots that change produce new bytes. Input is
 * CRLF-normalised (src/message/message-reader.ts); a lone CR and an LF not after a CR are data.
 */

import { createByteScanner, SCAN_AFTER, SCAN_CHUNK, type ByteScanner } from "../message/byte-scan.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

/** Spans at least this long go to `out` as views of the input instead of being copied. */
const DIRECT_SPAN = 512;
/**
 * Chunks up to this size are copied into the output buffer first and compacted in place: a span
 * then moves with `copyWithin` (a V8 builtin, about 18 ns) instead of `Buffer.copy` (about 58 ns).
 */
const IN_PLACE_MAX = 16 * 1024;
/** Carried empty lines beyond this many are emitted in separate pieces (see emitCrlfs). */
const MAX_INLINE_LINES = 32 * 1024;
const EMPTY = Buffer.alloc(0);

/** Emits `n` CRLFs in pieces of at most 64 KiB. */
export function emitCrlfs(n: number, out: (b: Buffer) => void): void {
  while (n > 0) {
    const k = Math.min(n, MAX_INLINE_LINES);
    out(Buffer.from("\r\n".repeat(k), "latin1"));
    n -= k;
  }
}

/** Options of {@link relaxedBody}. */
export interface RelaxedBodyOptions {
  /**
   * `out` is done with each buffer when it returns, so one scratch buffer is reused across
   * pushes (otherwise each push gets fresh memory, and `out` may keep what it is given).
   */
  transient: boolean;
  /** Body octets after which chunks are scanned with SIMD (default: SCAN_AFTER; tests lower it). */
  scanAfter?: number;
}

/** The part of {@link BodyCanonicalizer} the relaxed canonicalizer implements. */
interface Canonicalizer {
  push(chunk: Buffer, scanned?: ByteScanner): void;
  end(): void;
}

/**
 * relaxed body canonicalization (RFC 6376 §3.4.4): WSP at line ends removed, WSP runs reduced to
 * one SP, empty lines at the end removed; a non-empty body ends with CRLF, an empty one stays empty.
 * Large bodies are scanned for the spots that change with WebAssembly SIMD (byte-scan.ts).
 */
export function relaxedBody(out: (b: Buffer) => void, o: RelaxedBodyOptions): Canonicalizer {
  return new RelaxedBody(out, o.transient, o.scanAfter ?? SCAN_AFTER);
}

/** Whether `b` is a data byte that never starts a change (above SP: not WSP, CR or LF). */
const plain = (b: number) => b > SP;

/**
 * The state machine. Fields rather than closures: the per-byte loop stays in registers.
 * Output of a push: buf[0, j) then the verbatim span chunk[spanS, spanE).
 */
class RelaxedBody implements Canonicalizer {
  // State between pushes.
  private held = 0; // line ends seen since the last data byte
  private wsp = false; // a WSP run not yet emitted
  private cr = false; // a CR not yet known to start a CRLF
  private any = false; // whether any data byte was emitted
  private scratch: Buffer | null = null;
  private seen = 0; // body octets pushed so far
  private scanner: ByteScanner | null | undefined; // undefined: not made yet; null: unavailable
  // State of one push. Positions are in the current chunk; -1 means carried from an earlier
  // chunk or not byte-identical to the canonical form, so new bytes are written instead.
  private chunk: Buffer = EMPTY;
  private buf: Buffer = EMPTY;
  private j = 0;
  private spanS = 0;
  private spanE = 0;
  private wsStart = -1; // the pending WSP run
  private wsVerbatim = false; // the run is a single SP in this chunk (canonical as it is)
  private crPos = -1; // the pending CR
  private heldStart = -1; // the first CR of the held CRLFs, when they are exactly CRLF x held here
  // In place: buf[src + k] holds chunk[k] until the output reaches it (the output never passes
  // the input: each input octet gives at most one, and what is carried in fits before src).
  private inPlace = false;
  private src = 0;
  // The output of the last push, held until the next push or `end`, which appends the final CRLF
  // to it when there is room: a one-push body reaches `out` as one buffer.
  private lastBuf: Buffer = EMPTY;
  private lastLen = 0;

  constructor(
    private readonly out: (b: Buffer) => void,
    private readonly transient: boolean,
    private readonly scanAfter: number,
  ) {}

  push(chunk: Buffer, scanned?: ByteScanner): void {
    const n = chunk.length;
    if (n === 0) return;
    this.flushLast();
    this.begin(chunk);
    // A chunk without WSP (base64, most binary-ish parts) is canonical from any clean position up
    // to its last data byte: two native scans let that stretch through in one piece.
    let tail = -1;
    if (n >= DIRECT_SPAN && chunk.indexOf(SP) < 0 && chunk.indexOf(HTAB) < 0) {
      tail = n;
      while (tail > 0 && (chunk[tail - 1] === CR || chunk[tail - 1] === LF)) tail--;
    }
    let scan = tail < 0 ? this.scannerFor(chunk, scanned) : null;
    let near = 0; // changes found right away, in a row: dense text goes back to the byte loop
    this.seen += n;
    let i = 0;
    while (i < n) {
      if (!this.cr && !this.wsp && this.held === 0) {
        // Clean state: data bytes, a single SP between data bytes and a CRLF followed by a data
        // byte are canonical as they are; they extend the verbatim span.
        let from = i;
        if (i < tail) i = tail;
        else {
          let limit = n;
          if (scan !== null) {
            // No change before p: jump to the last data byte before it, loop over the next bytes.
            const p = scan.nextRelaxedChange(i);
            near = p - i < 64 ? near + 1 : 0;
            if (near >= 8) scan = null;
            let e = p;
            while (e > i && chunk[e - 1]! <= SP) e--; // WSP, CR, LF (and other controls) back off
            i = e;
            limit = Math.min(n, p + 32);
          }
          while (i < limit) {
            const b = chunk[i]!;
            if (plain(b)) i++;
            else if (b === SP || b === HTAB) {
              let r = i + 1;
              while (r < n && (chunk[r] === SP || chunk[r] === HTAB)) r++;
              if (r >= n || !plain(chunk[r]!)) break; // at a line end or the chunk end: general case
              if (r - i > 1 || b === HTAB) {
                // A WSP run between data bytes becomes one SP (§3.4.4 b).
                this.verbatim(from, i);
                this.literal(SP);
                from = r;
              }
              i = r;
            } else if (b === CR) {
              if (i + 2 < n && chunk[i + 1] === LF && plain(chunk[i + 2]!)) i += 3;
              else break;
            } else i++; // other controls (and an LF not after CR) are data
          }
        }
        if (i > from) {
          this.verbatim(from, i);
          this.any = true;
          if (i >= n) break;
        }
      }
      this.step(i, chunk[i]!);
      i++;
    }
    this.finishPush();
  }

  /** The SIMD scanner for this chunk, made once the body is large; null for the byte loop. */
  private scannerFor(chunk: Buffer, scanned: ByteScanner | undefined): ByteScanner | null {
    const n = chunk.length;
    if (n < Math.min(SCAN_CHUNK, this.scanAfter) || this.seen + n <= this.scanAfter) return null;
    if (scanned?.holds(chunk)) return scanned;
    if (this.scanner === undefined) this.scanner = createByteScanner();
    this.scanner?.load(chunk, -1);
    return this.scanner;
  }

  end(): void {
    if (this.cr) {
      this.flushLast();
      emitCrlfs(this.held, this.out);
      this.held = 0;
      this.out(Buffer.from(this.wsp ? " \r" : "\r", "latin1"));
      this.any = true;
    }
    if (this.any && this.lastLen > 0 && this.lastLen + 2 <= this.lastBuf.length) {
      this.lastBuf[this.lastLen++] = CR;
      this.lastBuf[this.lastLen++] = LF;
      this.flushLast();
      return;
    }
    this.flushLast();
    if (this.any) this.out(Buffer.from("\r\n", "latin1"));
  }

  private flushLast(): void {
    if (this.lastLen === 0) return;
    const b = this.lastBuf.subarray(0, this.lastLen);
    this.lastBuf = EMPTY;
    this.lastLen = 0;
    this.out(b);
  }

  /** Sets up the output of one push. Room: every input byte, a carried SP and CR, carried lines. */
  private begin(chunk: Buffer): void {
    const extra = 4 + 2 * Math.min(this.held, MAX_INLINE_LINES);
    const room = chunk.length + extra;
    if (this.transient && this.scratch !== null && this.scratch.length >= room) this.buf = this.scratch;
    else {
      this.buf = Buffer.allocUnsafe(room);
      if (this.transient) this.scratch = this.buf;
    }
    this.inPlace = chunk.length <= IN_PLACE_MAX && this.held <= MAX_INLINE_LINES;
    if (this.inPlace) {
      chunk.copy(this.buf, extra);
      this.src = extra;
    }
    this.chunk = chunk;
    this.j = 0;
    this.spanS = 0;
    this.spanE = 0;
    this.wsStart = -1;
    this.wsVerbatim = false;
    this.crPos = -1;
    this.heldStart = -1;
  }

  private finishPush(): void {
    this.flushSpan();
    this.lastBuf = this.buf;
    this.lastLen = this.j;
    this.chunk = this.buf = EMPTY; // keep no references to the caller's data
  }

  /** One byte at `i` through the state machine (the general case). */
  private step(i: number, b: number): void {
    if (this.cr) {
      this.cr = false;
      if (b === LF) {
        // A line end: WSP before it goes (§3.4.4 a); the CRLF is held until data follows (§3.4.4 b).
        if (this.held === 0) this.heldStart = this.crPos;
        else if (this.heldStart >= 0 && this.crPos !== this.heldStart + 2 * this.held) this.heldStart = -1;
        this.wsp = false;
        this.wsVerbatim = false;
        this.held++;
        return;
      }
      // A lone CR is data (and so is the WSP before it).
      if (this.held > 0) this.releaseHeld(i);
      if (this.wsp) this.releaseWsp();
      if (this.crPos >= 0) this.verbatim(this.crPos, this.crPos + 1);
      else this.literal(CR);
      this.any = true;
    }
    if (b === SP || b === HTAB) {
      if (this.wsp) this.wsVerbatim = false;
      else {
        this.wsp = true;
        this.wsStart = i;
        this.wsVerbatim = b === SP;
      }
    } else if (b === CR) {
      this.cr = true;
      this.crPos = i;
    } else {
      if (this.held > 0) this.releaseHeld(i);
      if (this.wsp) this.releaseWsp();
      this.verbatim(i, i + 1);
      this.any = true;
    }
  }

  private emitBuf(): void {
    if (this.j === 0) return;
    this.out(this.buf.subarray(0, this.j));
    this.buf = this.buf.subarray(this.j); // what was emitted is never written again
    this.src -= this.j;
    this.j = 0;
  }

  private flushSpan(): void {
    const s = this.spanS;
    const e = this.spanE;
    if (e === s) return;
    if (e - s >= DIRECT_SPAN && !this.inPlace) {
      this.emitBuf();
      this.out(this.chunk.subarray(s, e));
    } else if (this.inPlace && e - s >= 8) {
      this.buf.copyWithin(this.j, this.src + s, this.src + e);
      this.j += e - s;
    } else if (e - s < 24) {
      // Short spans: a JS loop beats the native copy's call overhead.
      const { buf, chunk } = this;
      let j = this.j;
      for (let k = s; k < e; k++) buf[j++] = chunk[k]!;
      this.j = j;
    } else this.j += this.chunk.copy(this.buf, this.j, s, e);
    this.spanS = e;
  }

  private verbatim(s: number, e: number): void {
    if (s !== this.spanE) {
      this.flushSpan();
      this.spanS = s;
    }
    this.spanE = e;
  }

  private literal(b: number): void {
    this.flushSpan();
    this.buf[this.j++] = b;
  }

  /** The held line ends, before a data byte at `i`: they are inside the body after all. */
  private releaseHeld(i: number): void {
    if (this.heldStart >= 0) this.verbatim(this.heldStart, this.heldStart + 2 * this.held);
    else {
      this.flushSpan();
      if (this.j + 2 * this.held + (this.chunk.length - i) + 2 <= this.buf.length) {
        for (let k = this.held; k > 0; k--) {
          this.buf[this.j++] = CR;
          this.buf[this.j++] = LF;
        }
      } else {
        // Very many empty lines carried over from earlier chunks: emitted separately.
        this.emitBuf();
        emitCrlfs(this.held, this.out);
      }
    }
    this.held = 0;
    this.heldStart = -1;
  }

  private releaseWsp(): void {
    if (this.wsVerbatim) this.verbatim(this.wsStart, this.wsStart + 1);
    else this.literal(SP);
    this.wsp = false;
    this.wsVerbatim = false;
  }
}
