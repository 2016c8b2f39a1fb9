/**
 * Which header fields a DomainKey-Signature covers (RFC 4870 §3.3, h= tag) and the sending
 * identity taken from them (RFC 4870's sending address: Sender:, else From:).
 */
import type { HeaderField } from "../message/header-fields.js";
import { unfoldedValue } from "../message/header-fields.js";

/**
 * The fields hashed for a signature, in hash order. `below` holds only the fields below the
 * DomainKey-Signature (fields above it are never covered, RFC 4870 §3.3), in message order.
 *
 * - h= absent (`names` null or empty): every field below the signature, in message order.
 * - h= present: the output follows h= order. A name listed once brings in all its instances below
 *   the signature, in message order; names with no instance add nothing. RFC 4870 does not define
 *   a name listed k times; as Mail::DKIM does, each listing after the first takes one instance (the
 *   bottom-most not yet taken, working from the end of h=) and the first listing takes all that are
 *   left, in message order. Names compare case-insensitively.
 */
export function selectSignedFields(below: HeaderField[], names: string[] | null): HeaderField[] {
  if (names === null || names.length === 0) return [...below];
  const byName = new Map<string, HeaderField[]>();
  for (const f of below) {
    const list = byName.get(f.key);
    if (list) list.push(f);
    else byName.set(f.key, [f]);
  }
  const remainingListings = new Map<string, number>();
  for (const n of names) {
    const key = n.toLowerCase();
    remainingListings.set(key, (remainingListings.get(key) ?? 0) + 1);
  }
  // Walk h= from the end, so that "the final listing takes all the rest" is decided first.
  const out: HeaderField[][] = [];
  for (let i = names.length - 1; i >= 0; i--) {
    const key = names[i]!.toLowerCase();
    const left = remainingListings.get(key)! - 1;
    remainingListings.set(key, left);
    const pool = byName.get(key) ?? [];
    if (left > 0) {
      const last = pool.pop();
      if (last) out.unshift([last]);
    } else {
      out.unshift(pool.splice(0));
    }
  }
  return out.flat();
}

/** The sending identity: the address and the header it came from. */
export interface DkIdentity {
  address: string;
  source: "sender" | "from";
}

/**
 * The sending identity (RFC 4870, signing process: the sending domain): the address in Sender: if a Sender field is
 * among the signed fields, else the one in From:. When a name occurs more than once among the signed
 * fields, the last one counts (as in Mail::DKIM). Returns null when neither is signed, or the field
 * holds no address with an `@`.
 */
export function sendingIdentity(signed: HeaderField[]): DkIdentity | null {
  let from: HeaderField | undefined;
  let sender: HeaderField | undefined;
  for (const f of signed) {
    if (f.key === "from") from = f;
    else if (f.key === "sender") sender = f;
  }
  const field = sender ?? from;
  if (!field) return null;
  const address = firstAddress(unfoldedValue(field));
  if (address === null || !address.includes("@")) return null;
  return { address, source: field.key === "sender" ? "sender" : "from" };
}

/**
 * The addr-spec of the first mailbox in an RFC 5322 address list value: the content of its
 * angle-addr if it has one, else the mailbox text with comments removed. Quoted strings are kept
 * as written (they may hold `<`, `,` or `@`). Returns null when the value is empty.
 */
export function firstAddress(value: string): string | null {
  let plain = "";
  let angle: string | null = null;
  let inAngle = false;
  let depth = 0; // comment nesting
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (depth > 0) {
      if (c === "\\") i++;
      else if (c === "(") depth++;
      else if (c === ")") depth--;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < value.length && value[j] !== '"') j += value[j] === "\\" ? 2 : 1;
      const quoted = value.slice(i, j + 1);
      if (inAngle) angle += quoted;
      else plain += quoted;
      i = j;
      continue;
    }
    if (c === "(") depth++;
    else if (c === "<" && angle === null) {
      inAngle = true;
      angle = "";
    } else if (c === ">" && inAngle) inAngle = false;
    else if (c === "," && !inAngle) break;
    else if (inAngle) angle += c;
    else plain += c;
  }
  const result = (angle ?? plain).replace(/\s+/g, "");
  return result === "" ? null : result;
}
