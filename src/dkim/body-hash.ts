/**
 * The body hash (RFC 6376 §3.7 step 1): the canonical body, optionally cut to `l=` octets, hashed
 * as it streams.
 */
import { createHash, hash as oneShotHash, type Hash } from "node:crypto";
import type { ByteScanner } from "../message/byte-scan.js";
import { createBodyCanonicalizer, type Canon } from "./canonicalize.js";
import { KERNEL_MAX_BODY, type RelaxedKernel } from "./relaxed-kernel.js";

/** Hash algorithms DKIM names (RFC 6376 §3.3; sha1 only for legacy verification, RFC 8301). */
export type HashAlgorithm = "sha256" | "sha1";

/** What a finished body hash reports. */
export interface BodyHashResult {
  /** The hash in base64, as written in bh=. */
  bodyHash: string;
  /** Octets of the whole canonical body (before any l= cut). */
  canonicalLength: number;
  /** Octets actually hashed (min(l=, canonicalLength)). */
  hashedLength: number;
}

/** An incremental body hasher. */
export interface BodyHasher {
  /**
   * Feeds body bytes; `scanned` as in BodyCanonicalizer.push. `last`: no body bytes follow (a
   * body pushed whole with `last` may go through the relaxed kernel in one call).
   */
  update(chunk: Buffer, scanned?: ByteScanner, last?: boolean): void;
  /** Ends the body; call once. */
  finish(): BodyHashResult;
}

/**
 * Creates a body hasher for one (canonicalization, hash, l=) combination. `limit` is the l= value:
 * only that many canonical octets are hashed (RFC 6376 §3.5 "l="); undefined hashes everything.
 * With a `kernel`, a relaxed body that arrives whole (one update with `last`) is canonicalized by
 * it in one call instead of streaming through the JavaScript canonicalizer; the result is the same.
 */
export function createBodyHasher(
  canon: Canon,
  hash: HashAlgorithm,
  limit?: number,
  kernel?: RelaxedKernel | null,
): BodyHasher {
  // A body that reaches the sink as one buffer, during `end` (a short in-memory body, see
  // relaxed-body.ts), is hashed with one call and no Hash object.
  let h: Hash | null = null;
  let ending = false;
  let only: Buffer | null = null; // that one buffer (valid: nothing runs between end and digest)
  let total = 0;
  let hashed = 0;
  const sink = (b: Buffer) => {
    total += b.length;
    let part = b;
    if (limit !== undefined) {
      const room = limit - hashed;
      if (room <= 0) return;
      if (b.length > room) part = b.subarray(0, room);
    }
    hashed += part.length;
    if (h === null) {
      if (ending && only === null) {
        only = part;
        return;
      }
      h = createHash(hash);
      if (only !== null) h.update(only);
      only = null;
    }
    h.update(part);
  };
  const c = createBodyCanonicalizer(canon, sink, true); // sink only hashes: buffers are transient
  const k = canon === "relaxed" ? (kernel ?? null) : null;
  let pushed = false;
  let whole: BodyHashResult | null = null; // the result of a body canonicalized by the kernel
  return {
    update(chunk, scanned, last) {
      if (whole !== null) throw new Error("body hasher: update() after the last chunk");
      if (k !== null && last === true && !pushed && chunk.length <= KERNEL_MAX_BODY) {
        // The kernel's output is a view of its memory: hashed here, before anything else runs.
        const body = k.canonicalize(chunk);
        const part = limit !== undefined && body.length > limit ? body.subarray(0, limit) : body;
        whole = {
          bodyHash: oneShotHash(hash, part, "base64"),
          canonicalLength: body.length,
          hashedLength: part.length,
        };
        return;
      }
      pushed = true;
      c.push(chunk, scanned);
    },
    finish() {
      if (whole !== null) return whole;
      ending = true;
      c.end();
      const bodyHash = h !== null ? h.digest("base64") : oneShotHash(hash, only ?? Buffer.alloc(0), "base64");
      return { bodyHash, canonicalLength: total, hashedLength: hashed };
    },
  };
}
