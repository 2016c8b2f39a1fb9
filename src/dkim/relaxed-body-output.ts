/**
 * The output side of the relaxed body canonicalizer (relaxed-body.ts): the verbatim spans of the
 * input, the scratch buffer reused across pushes, in-place compaction of short chunks, and the
 * held last buffer that the final CRLF is appended to. The state machine extends this class.
 */

/** Spans at least this long go to `out` as views of the input instead of being copied. */
export const DIRECT_SPAN = 512;
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

/**
 * Output of a push: buf[0, j) then the verbatim span chunk[spanS, spanE). Fields rather than
 * closures: the per-byte loop stays in registers.
 */
export abstract class RelaxedBodyOutput {
  /** Line ends seen since the last data byte (state of the machine; sizes the output room). */
  protected abstract held: number;
  private scratch: Buffer | null = null;
  // State of one push. Positions are in the current chunk; -1 means carried from an earlier
  // chunk or not byte-identical to the canonical form, so new bytes are written instead.
  protected chunk: Buffer = EMPTY;
  protected buf: Buffer = EMPTY;
  protected j = 0;
  protected spanS = 0;
  protected spanE = 0;
  protected wsStart = -1; // the pending WSP run
  protected wsVerbatim = false; // the run is a single SP in this chunk (canonical as it is)
  protected crPos = -1; // the pending CR
  protected heldStart = -1; // the first CR of the held CRLFs, when they are exactly CRLF x held here
  // In place: buf[src + k] holds chunk[k] until the output reaches it (the output never passes
  // the input: each input octet gives at most one, and what is carried in fits before src).
  protected inPlace = false;
  protected src = 0;
  // The output of the last push, held until the next push or `end`, which appends the final CRLF
  // to it when there is room: a one-push body reaches `out` as one buffer.
  protected lastBuf: Buffer = EMPTY;
  protected lastLen = 0;

  constructor(
    protected readonly out: (b: Buffer) => void,
    private readonly transient: boolean,
  ) {}

  protected flushLast(): void {
    if (this.lastLen === 0) return;
    const b = this.lastBuf.subarray(0, this.lastLen);
    this.lastBuf = EMPTY;
    this.lastLen = 0;
    this.out(b);
  }

  /** Sets up the output of one push. Room: every input byte, a carried SP and CR, carried lines. */
  protected begin(chunk: Buffer): void {
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

  protected finishPush(): void {
    this.flushSpan();
    this.lastBuf = this.buf;
    this.lastLen = this.j;
    this.chunk = this.buf = EMPTY; // keep no references to the caller's data
  }

  protected emitBuf(): void {
    if (this.j === 0) return;
    this.out(this.buf.subarray(0, this.j));
    this.buf = this.buf.subarray(this.j); // what was emitted is never written again
    this.src -= this.j;
    this.j = 0;
  }

  protected flushSpan(): void {
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

  protected verbatim(s: number, e: number): void {
    if (s !== this.spanE) {
      this.flushSpan();
      this.spanS = s;
    }
    this.spanE = e;
  }

  protected literal(b: number): void {
    this.flushSpan();
    this.buf[this.j++] = b;
  }
}
