/**
 * The body hash (RFC 6376 §3.7 step 1): the canonical body, optionally cut to `l=` octets, hashed
 * as it streams.
 */
import { createHash, hash as oneShotHash, type Hash } from "node:crypto";
import type { ByteScanner } from "../message/byte-scan.js";
import { createBodyCanonicalizer, type Canon } from "./canonicalize.js";

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
  /** Feeds body bytes; `scanned` as in BodyCanonicalizer.push. */
  update(chunk: Buffer, scanned?: ByteScanner): void;
  /** Ends the body; call once. */
  finish(): BodyHashResult;
}

/**
 * Creates a body hasher for one (canonicalization, hash, l=) combination. `limit` is the l= value:
 * only that many canonical octets are hashed (RFC 6376 §3.5 "l="); undefined hashes everything.
 */
export function createBodyHasher(canon: Canon, hash: HashAlgorithm, limit?: number): BodyHasher {
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
  return {
    update: (chunk, scanned) => c.push(chunk, scanned),
    finish() {
      ending = true;
      c.end();
      const bodyHash = h !== null ? h.digest("base64") : oneShotHash(hash, only ?? Buffer.alloc(0), "base64");
      return { bodyHash, canonicalLength: total, hashedLength: hashed };
    },
  };
}
