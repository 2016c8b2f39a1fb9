/**
 * Signing a message read as a stream: one pass computes every signature (DKIM, and DomainKeys
 * through src/domainkeys when asked); the caller then writes the fields above the original bytes.
 */
import type { KeyObject } from "node:crypto";
import { createDomainKeysSigner } from "../domainkeys/index.js";
import {
  createMessageReader,
  readAll,
  type LineEnding,
  type MessageProblem,
} from "../message/message-reader.js";
import {
  createDkimSigner,
  signedHeaderList,
  signingKeyProblem,
  type DkimSignOptions,
  type DkimSigner,
} from "./sign.js";

/** One DKIM signature to make: the signer options, with h= chosen from the message. */
export type DkimSignRequest = Omit<DkimSignOptions, "signedHeaders"> & {
  /** Fields to sign (default: RFC 6376 §5.4.1's list); From is always added. */
  headers?: readonly string[];
  /** Over-sign (default true): see signedHeaderList. */
  oversign: boolean;
  /** Set by {@link prepareSignRequest}: the key was checked once for many messages. */
  keyChecked?: boolean;
};

/**
 * Checks a request's key once (type matches a=, RSA >= 1024 bits) so that signing many messages
 * with it skips the check. Throws a RangeError with the problem.
 */
export function prepareSignRequest(r: DkimSignRequest): DkimSignRequest {
  const problem = signingKeyProblem(r.privateKey, r.algorithm);
  if (problem) throw new RangeError(problem);
  return { ...r, keyChecked: true };
}

/** A DomainKeys signature to make (RFC 4870; src/domainkeys contract). */
export interface DomainKeysSignRequest {
  domain: string;
  selector: string;
  privateKey: KeyObject;
  method: "simple" | "nofws";
  headers?: string[];
}

/** The new header fields (CRLF folding, no final CRLF), in the order to prepend them. */
export type SignMessageResult =
  | { kind: "ok"; fields: string[]; lineEnding: LineEnding; signedHeaders: string[][] }
  | { kind: "problem"; problem: MessageProblem | { kind: "no-from" } };

/**
 * Reads `input` once and returns the DKIM-Signature fields (in request order) followed by the
 * DomainKey-Signature field, if any. The fields go above the message's first line: a DomainKeys
 * signature covers only the fields below it (RFC 4870 §3.3), and DKIM's h= never lists either.
 * Throws a RangeError for impossible options (see createDkimSigner); returns message problems.
 */
export async function signMessage(
  input: AsyncIterable<Buffer> | Iterable<Buffer>,
  dkim: readonly DkimSignRequest[],
  domainKeys?: DomainKeysSignRequest,
): Promise<SignMessageResult> {
  const signers: DkimSigner[] = [];
  const lists: string[][] = [];
  let dk: ReturnType<typeof createDomainKeysSigner> | null = null;
  let lineEnding: LineEnding = "CRLF";
  let setupError: unknown = null;
  let noFrom = false;
  const reader = createMessageReader({
    head(h) {
      lineEnding = h.lineEnding;
      noFrom = !h.fields.some((f) => f.key === "from");
      try {
        for (const r of dkim) {
          const list = signedHeaderList(h.fields, { headers: r.headers, oversign: r.oversign });
          lists.push(list);
          // One spread, no rest pattern (both are slow); createDkimSigner ignores the request-only fields.
          signers.push(createDkimSigner({ ...r, signedHeaders: list }, h.fields, r.keyChecked === true));
        }
        if (domainKeys) dk = createDomainKeysSigner(domainKeys, h.fields);
      } catch (err) {
        setupError = err;
      }
    },
    body(chunk, scanned) {
      for (const s of signers) s.update(chunk, scanned);
      dk?.update(chunk);
    },
  });
  const read = readAll(reader, input, () => {
    if (setupError) throw setupError;
  });
  const problem = read instanceof Promise ? await read : read;
  if (problem) return { kind: "problem", problem };
  if (setupError) throw setupError;
  // RFC 6376 §5.4: From MUST be signed; a message without one is not RFC 5322 mail (§3.6).
  if (noFrom) return { kind: "problem", problem: { kind: "no-from" } };
  const fields = signers.map((s) => s.finish());
  if (dk) fields.push((dk as ReturnType<typeof createDomainKeysSigner>).finish());
  return { kind: "ok", fields, lineEnding, signedHeaders: lists };
}
