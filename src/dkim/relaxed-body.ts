/**
 * relaxed body canonicalization (RFC 6376 §3.4.4), incremental and fast: most of a body is already
 * canonical, so the input is passed on in verbatim spans (views of the input, or one copy into a
 * scratch buffer for short spans) and only the spots that change produce new bytes. Input is
 * CRLF-normalised (src/message/message-reader.ts); a lone CR and an LF not after a CR are data.
 */

import { createByteScanner, SCAN_AFTER, SCAN_CHUNK, type ByteScanner } from "../message/byte-scan.js";
import { DIRECT_SPAN, emitCrlfs, RelaxedBodyOutput } from "./relaxed-body-output.js";

export { emitCrlfs } from "./relaxed-body-output.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

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
 * The state machine; the output buffer and spans are in {@link RelaxedBodyOutput}.
 */
class RelaxedBody extends RelaxedBodyOutput implements Canonicalizer {
  // State between pushes.
  protected held = 0; // line ends seen since the last data byte
  private wsp = false; // a WSP run not yet emitted
  private cr = false; // a CR not yet known to start a CRLF
  private any = false; // whether any data byte was emitted
  private seen = 0; // body octets pushed so far
  private scanner: ByteScanner | null | undefined; // undefined: not made yet; null: unavailable

  constructor(
    out: (b: Buffer) => void,
    transient: boolean,
    private readonly scanAfter: number,
  ) {
    super(out, transient);
  }

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
