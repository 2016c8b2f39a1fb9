/**
 * Native-speed scans of large chunks for the rare bytes that need work: an LF without a CR before
 * it (message-reader's CRLF normalisation) and the spots relaxed body canonicalization changes
 * (RFC 6376 §3.4.4: an HTAB, an SP before SP, HTAB or CR). JavaScript cannot test 16 octets at
 * once, and Buffer.indexOf stops at every SP, so a tiny WebAssembly SIMD module does the scan: the
 * chunk is copied into its memory (about 25 µs per MB) and scanned 32 octets per step. The scans
 * only find candidates; the callers' byte loops decide what to do, so a scanner never changes a
 * result, only how much of a chunk is skipped. Without WebAssembly SIMD, callers keep their loops.
 */

/** The part of the WebAssembly API used here (the TypeScript setup has no DOM or wasm types). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A scanner costs ~100-250 µs to set up: callers make one only after this many octets of a message. */
export const SCAN_AFTER = 128 * 1024;
/** ...and use it only on chunks at least this large (one call per chunk must be worth it). */
export const SCAN_CHUNK = 16 * 1024;

/** Where the chunk starts in the module's memory (the octet before it is at DATA - 1). */
const DATA = 16;
const PAGE = 64 * 1024;

/** A scanner with one chunk loaded. Offsets are in the chunk. */
export interface ByteScanner {
  /** Copies `chunk` in; `before` is the octet that preceded it in the stream (-1 for none). */
  load(chunk: Buffer, before: number): void;
  /** Whether `chunk` is the buffer loaded last (so a second user need not copy it again). */
  holds(chunk: Buffer): boolean;
  /**
   * A 32-octet-aligned (from `from`) offset p such that [from, p) holds no HTAB and no SP followed
   * by SP, HTAB, CR or another octet <= SP (the pair may straddle p); the chunk length when there
   * is none.
   */
  nextRelaxedChange(from: number): number;
  /** Like nextRelaxedChange, for an LF whose preceding octet (`before` at offset 0) is not CR. */
  nextBareLf(from: number): number;
}

// The module, encoded by hand (no toolchain needed); see wasmModule() for the layout.
const SIMD = 0xfd;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  void: 0x40,
  i32: 0x7f,
  v128: 0x7b,
} as const;
const simd = {
  load: 0x00,
  const: 0x0c,
  eq: 0x23,
  leU: 0x2a,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  anyTrue: 0x53,
} as const;

const splat = (b: number) => [SIMD, simd.const, ...new Array<number>(16).fill(b)];
const eqSplat = (local: number, b: number) => [op.localGet, local, ...splat(b), SIMD, simd.eq];
const uleb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...uleb(n >>> 7)]);
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, "latin1")];

/**
 * A function (p: i32, end: i32) -> i32 over 32-octet steps (two 16-octet blocks): v = mem[p, p+16),
 * w = the same shifted by `shift` (+1: the next octets; -1: the previous ones). Returns the first p
 * where `test(v, w)` (a SIMD expression over two locals, leaving a v128) has a lane set in either
 * block, or `end`.
 */
function scanFunction(shift: 1 | -1, test: (v: number, w: number) => number[]): number[] {
  const load = (local: number, offset: number) =>
    offset >= 0
      ? [op.localGet, 0, SIMD, simd.load, 0, offset, op.localSet, local]
      : [op.localGet, 0, op.i32Const, 1, op.i32Sub, SIMD, simd.load, 0, offset + 1, op.localSet, local];
  const body = [
    ...vec([[4, op.v128]]), // locals 2-5: v, w of block 1, v, w of block 2
    op.block, op.void,
    op.loop, op.void,
    op.localGet, 0, op.localGet, 1, op.i32GeU, op.brIf, 1,
    ...load(2, 0), ...load(3, shift), ...load(4, 16), ...load(5, 16 + shift),
    ...test(2, 3), ...test(4, 5), SIMD, simd.or,
    SIMD, simd.anyTrue,
    op.if, op.void, op.localGet, 0, op.return, op.end,
    op.localGet, 0, op.i32Const, 32, op.i32Add, op.localSet, 0,
    op.br, 0,
    op.end,
    op.end,
    op.localGet, 1,
    op.end,
  ]; // prettier-ignore
  return [...uleb(body.length), ...body];
}

/** The module: memory (exported), relaxed(p, end) and bareLf(p, end). */
function wasmModule(): Uint8Array {
  const SP = 0x20, HTAB = 0x09, CR = 0x0d, LF = 0x0a; // prettier-ignore
  // HTAB anywhere, or SP followed by an octet <= SP (a superset of SP, HTAB, CR: cheaper to test,
  // and an SP before LF or another control is rare).
  const relaxed = (v: number, w: number) => [
    ...eqSplat(v, SP),
    op.localGet, w, ...splat(SP), SIMD, simd.leU,
    SIMD, simd.and,
    ...eqSplat(v, HTAB), SIMD, simd.or,
  ]; // prettier-ignore
  // LF whose previous octet is not CR.
  const bareLf = (v: number, w: number) => [...eqSplat(v, LF), ...eqSplat(w, CR), SIMD, simd.andnot];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[op.i32], [op.i32]]), ...vec([[op.i32]])]])),
    ...section(3, vec([[0], [0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([[...name("memory"), 2, 0], [...name("relaxed"), 0, 0], [...name("bareLf"), 0, 1]])),
    ...section(10, vec([scanFunction(1, relaxed), scanFunction(-1, bareLf)])),
  ]); // prettier-ignore
}

/**
 * A new scanner with its own memory, or null when this runtime has no WebAssembly SIMD (callers
 * then use their byte loops). Compiling costs some 100 µs: make one per large message, not per
 * small one.
 */
export function createByteScanner(): ByteScanner | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  let exports: Record<string, unknown>;
  try {
    exports = new wasm.Instance(new wasm.Module(wasmModule())).exports;
  } catch {
    return null; // no SIMD in this runtime (the module does not compile)
  }
  const memory = exports.memory as WasmMemory;
  const relaxed = exports.relaxed as (p: number, end: number) => number;
  const bareLf = exports.bareLf as (p: number, end: number) => number;
  let n = 0;
  let loaded: Buffer | null = null;
  const clamp = (p: number) => Math.min(p - DATA, n);
  return {
    load(chunk, before) {
      const need = DATA + chunk.length + 48;
      if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
      const mem = new Uint8Array(memory.buffer);
      mem[DATA - 1] = before < 0 ? 0 : before;
      mem.set(chunk, DATA);
      mem.fill(0x61, DATA + chunk.length, DATA + chunk.length + 33); // past the end: no matches
      n = chunk.length;
      loaded = chunk;
    },
    holds: (chunk) => chunk === loaded && chunk.length === n,
    nextRelaxedChange: (from) => clamp(relaxed(DATA + from, DATA + n)),
    nextBareLf: (from) => clamp(bareLf(DATA + from, DATA + n)),
  };
}
