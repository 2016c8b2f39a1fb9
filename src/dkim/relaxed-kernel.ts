/**
 * relaxed canonicalization (RFC 6376 §3.4.4 body, §3.4.2 header fields) in WebAssembly SIMD: the
 * kernel a long-running verifier keeps (the `relaxedKernel` option). A body that arrives in one
 * piece (a message already in memory) is canonicalized in one call, about 2 µs with its hash for
 * the bench's 2 KB bodies against about 5 µs through the streaming canonicalizer (relaxed-body.ts),
 * and the relaxed header hash input is written without a JavaScript byte loop (about 0.5 µs less).
 * The JavaScript canonicalizers stay the reference: property tests compare the two on random
 * bodies and header blocks. The module is assembled from relaxed-kernel.wat (`npm run wasm`).
 */
import type { WasmApi, WasmMemory } from "../message/byte-scan.js";
import type { HeaderField } from "../message/header-fields.js";
import { RELAXED_KERNEL_WASM } from "./relaxed-kernel-wasm.js";

/** Largest body the kernel takes (larger bodies stream through relaxed-body.ts). */
export const KERNEL_MAX_BODY = 1024 * 1024;
const PAGE = 64 * 1024;

/**
 * A relaxed body canonicalizer with its own WebAssembly memory. Setting one up costs about 100 µs
 * (compiling the module and making its memory), so a verifier makes one and keeps it; it is not
 * for one message. Calls are synchronous, so callers sharing one never see each other's data.
 */
export interface RelaxedKernel {
  /**
   * The relaxed canonical form of `body` (the whole CRLF-normalised body, at most
   * {@link KERNEL_MAX_BODY} octets) as a view of the kernel's memory, valid until the next call.
   */
  canonicalize(body: Buffer): Buffer;
  /**
   * The relaxed header hash input (RFC 6376 §3.4.2, §3.7): each of `fields` relaxed with a CRLF,
   * then `last` (the DKIM-Signature with b= emptied) without one; as `relaxedHeaderHashInput`
   * (canonicalize.ts) gives it for the fields `pickSignedFields` chose. The fields' names must be
   * printable ASCII (as message/header-fields.ts accepts them). A view valid until the next call.
   */
  relaxedHeaders(fields: readonly HeaderField[], last: HeaderField): Buffer;
}

/** A new kernel, or null when this runtime has no WebAssembly SIMD (the streaming path is used). */
export function createRelaxedKernel(): RelaxedKernel | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  let exports: Record<string, unknown>;
  try {
    exports = new wasm.Instance(new wasm.Module(Buffer.from(RELAXED_KERNEL_WASM, "base64"))).exports;
  } catch {
    return null;
  }
  const memory = exports.memory as WasmMemory;
  const relaxed = exports.relaxed as (n: number, out: number) => number;
  const header = exports.header as (p: number, n: number, j: number, crlf: number) => number;
  let view = Buffer.from(memory.buffer);
  /** Room for `n` octets of input at 0 and up to n + extra of output after them; the output's start. */
  const room = (n: number, extra: number): number => {
    // 16 octets of room after the input; a 16-octet store never reaches past the output's end.
    const out = ((n + 15) & ~15) + 16;
    const need = out + n + extra + 32;
    if (view.length < need) {
      memory.grow(Math.ceil((need - view.length) / PAGE));
      view = Buffer.from(memory.buffer);
    }
    return out;
  };
  return {
    canonicalize(body) {
      const n = body.length;
      if (n > KERNEL_MAX_BODY)
        throw new RangeError(`body of ${n} octets: the kernel takes ${KERNEL_MAX_BODY}`);
      const out = room(n, 2);
      view.set(body, 0);
      return view.subarray(out, relaxed(n, out));
    },
    relaxedHeaders(fields, last) {
      let n = last.raw.length;
      for (const f of fields) n += f.raw.length;
      const out = room(n, 2 * fields.length);
      let p = 0;
      let j = out;
      for (const f of fields) {
        view.set(f.raw, p);
        j = header(p, f.raw.length, j, 1);
        p += f.raw.length;
      }
      view.set(last.raw, p);
      return view.subarray(out, header(p, last.raw.length, j, 0));
    },
  };
}
