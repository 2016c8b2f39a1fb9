/**
 * relaxed body canonicalization (RFC 6376 §3.4.4) of a whole body in one WebAssembly SIMD call:
 * the kernel a long-running verifier keeps for bodies that arrive in one piece (a message already
 * in memory). On the bench's 2 KB bodies it canonicalizes and hashes in about 2 µs against about
 * 5 µs for the streaming canonicalizer (relaxed-body.ts), which stays the reference: a property
 * test compares the two on random bodies. The module is assembled from relaxed-kernel.wat.
 */
import type { WasmApi, WasmMemory } from "../message/byte-scan.js";
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
  let view = Buffer.from(memory.buffer);
  return {
    canonicalize(body) {
      const n = body.length;
      if (n > KERNEL_MAX_BODY)
        throw new RangeError(`body of ${n} octets: the kernel takes ${KERNEL_MAX_BODY}`);
      // The output starts after the input and 16 octets of room; it is at most n + 2 octets, and
      // a 16-octet store never reaches past n + 2 from the output's start.
      const out = ((n + 15) & ~15) + 16;
      const need = out + n + 32;
      if (view.length < need) {
        memory.grow(Math.ceil((need - view.length) / PAGE));
        view = Buffer.from(memory.buffer);
      }
      view.set(body, 0);
      return view.subarray(out, relaxed(n, out));
    },
  };
}
