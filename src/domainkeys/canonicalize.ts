/**
 * DomainKeys canonicalization (RFC 4870 §3.4): "simple" (§3.4.2.1) and "nofws" (§3.4.2.2), for header
 * lines and, incrementally, for the body. The byte-level details follow Mail::DKIM (dk_simple /
 * dk_nofws), the last maintained implementation, where the RFC text leaves room.
 */
import type { HeaderField } from "../message/header-fields.js";

/** The two DomainKeys canonicalization methods (the `c=` tag, RFC 4870 §3.3). */
export type DkMethod = "simple" | "nofws";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const CRLF = Buffer.from("\r\n");

/**
 * One header field as it is hashed, with its line-ending CRLF.
 * simple (§3.4.2.1): the field exactly as received, folding included.
 * nofws (§3.4.2.2): every SP, HTAB, CR and LF removed (this also unfolds the field), then one CRLF.
 * Names keep their case under both methods.
 */
export function canonicalHeader(method: DkMethod, field: HeaderField): Buffer {
  if (method === "simple") return Buffer.concat([field.raw, CRLF]);
  const out = Buffer.allocUnsafe(field.raw.length + 2);
  let j = 0;
  for (const b of field.raw) if (b !== SP && b !== HTAB && b !== CR && b !== LF) out[j++] = b;
  out[j++] = CR;
  out[j++] = LF;
  return out.subarray(0, j);
}

/** An incremental body canonicalizer: push chunks in order, then end(). Output goes to the sink. */
export interface DkBodyCanonicalizer {
  push(chunk: Buffer): void;
  end(): void;
}

/**
 * Canonicalizes the body, starting with the CRLF that separates it from the header block: that
 * separator goes through the body rules too (Mail::DKIM feeds it to the body canonicalizer), so with
 * an empty body, or one of only empty lines, nothing at all follows the header lines.
 *
 * Both methods drop all empty lines at the end of the body, and when the body is nothing but empty
 * lines the separator line goes too (§3.4.2.1, §3.4.2.2; Mail::DKIM does the same). Empty lines
 * between text are kept. A body that does not end in CRLF is not given one.
 * nofws first deletes every SP and HTAB, and every CR or LF that is not part of a CRLF pair
 * (§3.4.2.2 removes all folding white space from every line; Mail::DKIM keeps CRLF as the line
 * end and drops lone CRs and LFs), keeping the CRLF line ends.
 *
 * The result does not depend on where the chunks are split. The canonicalizer owns no hash: it
 * calls `sink` with each piece of output, which may be a view into the pushed chunk, so the sink
 * must use the bytes before it returns (a hash update does).
 */
export function createDkBodyCanonicalizer(
  method: DkMethod,
  sink: (bytes: Buffer) => void,
): DkBodyCanonicalizer {
  const trailing = trailingEmptyLineFilter(sink);
  let pendingCr = false; // nofws: a CR whose fate depends on the next kept byte
  const nofws = (chunk: Buffer): Buffer => {
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let j = 0;
    for (const b of chunk) {
      if (b === SP || b === HTAB) continue; // deleted before CR/LF pairing, as Mail::DKIM does
      if (b === CR) {
        pendingCr = true; // an earlier pending CR was a lone CR: dropped
      } else if (b === LF) {
        if (pendingCr) {
          out[j++] = CR;
          out[j++] = LF;
        } // a lone LF is dropped
        pendingCr = false;
      } else {
        pendingCr = false; // a lone CR is dropped
        out[j++] = b;
      }
    }
    return out.subarray(0, j);
  };
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    trailing.push(method === "nofws" ? nofws(CRLF) : CRLF);
  };
  return {
    push(chunk: Buffer): void {
      start();
      if (chunk.length > 0) trailing.push(method === "nofws" ? nofws(chunk) : chunk);
    },
    end(): void {
      start();
      trailing.end(); // a pending lone CR (nofws) is dropped
    },
  };
}

/** The "ignore trailing empty lines" rule (§3.4.2.1, §3.4.2.2) as a byte stream filter, split-independent. */
function trailingEmptyLineFilter(sink: (bytes: Buffer) => void): DkBodyCanonicalizer {
  let atLineStart = true; // the stream starts at the separator line
  let heldCr = false; // a CR at line start that may open an empty line
  let emptyLines = 0; // empty lines held back: emitted only if text follows
  let prevCr = false;
  const flushHeld = (out: Buffer[]): void => {
    if (emptyLines > 0) out.push(Buffer.alloc(emptyLines * 2, "\r\n"));
    emptyLines = 0;
    if (heldCr) out.push(Buffer.from([CR]));
    heldCr = false;
  };
  return {
    push(chunk: Buffer): void {
      const out: Buffer[] = [];
      let i = 0;
      while (i < chunk.length) {
        if (atLineStart) {
          const b = chunk[i]!;
          if (heldCr && b === LF) {
            heldCr = false;
            emptyLines++;
            i++;
            continue;
          }
          if (!heldCr && b === CR) {
            heldCr = true;
            i++;
            continue;
          }
          prevCr = heldCr;
          flushHeld(out);
          atLineStart = false;
          continue; // b is handled below as text
        }
        // Copy text up to and including the next CRLF that ends a line.
        let k = i;
        while (k < chunk.length) {
          const b = chunk[k]!;
          k++;
          if (b === LF && prevCr) {
            atLineStart = true;
            prevCr = false;
            break;
          }
          prevCr = b === CR;
        }
        out.push(chunk.subarray(i, k));
        i = k;
      }
      if (out.length > 0) sink(out.length === 1 ? out[0]! : Buffer.concat(out));
    },
    end(): void {
      if (heldCr) {
        const out: Buffer[] = [];
        flushHeld(out);
        sink(Buffer.concat(out));
      }
      emptyLines = 0;
    },
  };
}
