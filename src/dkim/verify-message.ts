/**
 * Verifying a whole message from a stream of raw bytes: every DKIM-Signature (RFC 6376) and every
 * DomainKey-Signature (RFC 4870, through src/domainkeys), with the body never held in memory.
 */
import type { Resolver } from "../dns/resolver.js";
import { createDomainKeysVerifier, type DomainKeysOutcome } from "../domainkeys/index.js";
import {
  createMessageReader,
  readAll,
  type LineEnding,
  type MessageProblem,
} from "../message/message-reader.js";
import type { DkimOutcome } from "./results.js";
import { createDkimVerifier, type DkimVerifier, type DkimVerifyOptions } from "./verify.js";

/** Options of {@link verifyMessage}. */
export interface VerifyMessageOptions {
  resolver: Resolver;
  legacy: boolean;
  now: Date;
  trace?: (line: string) => void;
  /** See DkimVerifyOptions.keyCache. */
  keyCache?: DkimVerifyOptions["keyCache"];
  /** See DkimVerifyOptions.relaxedKernel. */
  relaxedKernel?: DkimVerifyOptions["relaxedKernel"];
}

/** Everything a verification found. */
export type VerifyMessageResult =
  | { kind: "ok"; dkim: DkimOutcome[]; domainKeys: DomainKeysOutcome[]; lineEnding: LineEnding }
  | { kind: "problem"; problem: MessageProblem };

/**
 * Reads `input` (raw message bytes in any pieces) and verifies every signature in it. Returns the
 * outcomes in header order (DKIM and DomainKeys separately), or the message problem when the input
 * is not a message. Signature, key and DNS problems are outcomes, never exceptions.
 */
export function verifyMessage(
  input: AsyncIterable<Buffer> | Iterable<Buffer>,
  o: VerifyMessageOptions,
): Promise<VerifyMessageResult> {
  let dkim: DkimVerifier | null = null;
  const dk: ReturnType<typeof createDomainKeysVerifier>[] = [];
  let lineEnding: LineEnding = "CRLF";
  const reader = createMessageReader({
    head(h) {
      lineEnding = h.lineEnding;
      dkim = createDkimVerifier(h.fields, o);
      h.fields.forEach((f, i) => {
        if (f.key === "domainkey-signature") {
          dk.push(createDomainKeysVerifier(h.fields, i, { resolver: o.resolver, legacy: o.legacy }));
        }
      });
    },
    body(chunk, scanned, last) {
      dkim!.update(chunk, scanned, last);
      for (const v of dk) v.update(chunk);
    },
  });
  const done = async (outcomes: DkimOutcome[]): Promise<VerifyMessageResult> => {
    const dkOutcomes: DomainKeysOutcome[] = [];
    for (const v of dk) dkOutcomes.push(await v.finish());
    return { kind: "ok", dkim: outcomes, domainKeys: dkOutcomes, lineEnding };
  };
  const finish = (problem: MessageProblem | null): Promise<VerifyMessageResult> => {
    if (problem) return Promise.resolve({ kind: "problem", problem });
    const verifier = (dkim as DkimVerifier | null)!;
    // Without DomainKey-Signatures (the usual case) the result is one then away from the keys.
    if (dk.length === 0) {
      return verifier.finishThen((d): VerifyMessageResult => ({
        kind: "ok",
        dkim: d,
        domainKeys: [],
        lineEnding,
      }));
    }
    return verifier.finishThen(done);
  };
  // An in-memory message is read synchronously (readAll returns a plain value); a sync throw
  // (a throwing resolver, say) still becomes a rejection, as from an async function.
  try {
    const read = readAll(reader, input);
    return read instanceof Promise ? read.then(finish) : finish(read);
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
