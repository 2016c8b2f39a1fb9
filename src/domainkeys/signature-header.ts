/**
 * The DomainKey-Signature header field (RFC 4870 §3.3): reading its tags for verification and
 * writing it, folded, for signing.
 */
import { selectorProblem, dnsNameProblem } from "../dns/names.js";
import type { HeaderField } from "../message/header-fields.js";
import type { DkMethod } from "./canonicalize.js";
import { parseTagList, withoutFws } from "./tag-list.js";

/** The name of the DomainKeys signature header field. */
export const DK_SIGNATURE_FIELD = "DomainKey-Signature";

/** A DomainKey-Signature whose tags are usable. */
export interface DkSignatureTags {
  /** a= (only rsa-sha1 exists, §3.3; an absent or empty a= means rsa-sha1). */
  algorithm: "rsa-sha1";
  /** c= (absent or empty: simple). */
  method: DkMethod;
  /** d=, lower-cased (domains compare case-insensitively). */
  domain: string;
  /** s=, as written. */
  selector: string;
  /** h= names in order, or null when h= is absent. */
  headers: string[] | null;
  /** b= decoded. */
  signature: Buffer;
}

/** The tags, or why the signature cannot be used; `domain`/`selector` are given when they were read. */
export type DkSignatureParse =
  { tags: DkSignatureTags } | { problem: string; domain: string; selector: string };

/**
 * Reads the tags of one DomainKey-Signature field. Returns a problem for: a bad tag list; an a=
 * other than rsa-sha1; a c= other than simple/nofws; a q= other than dns (an absent q= means dns, as
 * Mail::DKIM reads it; an empty q= is rejected, corpus bad_dk_4); a missing or invalid d= or s=;
 * a missing or empty b=. Tag values are case-insensitive except s= and b=.
 */
export function parseDkSignature(field: HeaderField): DkSignatureParse {
  const parsed = parseTagList(field.value.toString("latin1"));
  if ("problem" in parsed) return { problem: parsed.problem, domain: "", selector: "" };
  const t = parsed.tags;
  const domain = (t.get("d") ?? "").toLowerCase();
  const selector = t.get("s") ?? "";
  const bad = (problem: string): DkSignatureParse => ({ problem, domain, selector });
  const a = (t.get("a") ?? "").toLowerCase();
  if (a !== "" && a !== "rsa-sha1") return bad(`unsupported algorithm a=${a}`);
  const c = (t.get("c") ?? "").toLowerCase();
  if (c !== "" && c !== "simple" && c !== "nofws") return bad(`unsupported canonicalization c=${c}`);
  const q = t.get("q");
  if (q !== undefined && q.toLowerCase() !== "dns") return bad(`unsupported query method q=${q}`);
  if (!t.has("d") || domain === "") return bad("missing d= tag");
  const dProblem = dnsNameProblem(domain);
  if (dProblem) return bad(`d=${domain} ${dProblem}`);
  if (!t.has("s") || selector === "") return bad("missing s= tag");
  const sProblem = selectorProblem(selector);
  if (sProblem) return bad(`s=${selector} ${sProblem}`);
  const b = withoutFws(t.get("b") ?? "");
  if (b === "") return bad("missing b= tag");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b)) return bad("b= is not base64");
  const h = t.get("h");
  const headers =
    h === undefined
      ? null
      : withoutFws(h)
          .split(":")
          .filter((n) => n !== "");
  return {
    tags: {
      algorithm: "rsa-sha1",
      method: c === "nofws" ? "nofws" : "simple",
      domain,
      selector,
      headers,
      signature: Buffer.from(b, "base64"),
    },
  };
}

/** Longest line we write, in columns (RFC 5322 §2.1.1 recommends 78). */
const MAX_LINE = 78;

/**
 * The complete DomainKey-Signature field, without the final CRLF, with tags in the order Mail::DKIM
 * writes them (a, c, d, h, q, s, b) and folded with CRLF SP so that no line exceeds 78 columns.
 * h= and b= are broken inside their values where needed (at `:` for h=; anywhere for b=, whose
 * white space verifiers ignore). Folding does not affect the signature: DomainKeys never hashes its
 * own header.
 */
export function formatDkSignature(tags: {
  method: DkMethod;
  domain: string;
  selector: string;
  headers: string[] | null;
  b: string;
}): string {
  const parts = [`a=rsa-sha1;`, `c=${tags.method};`, `d=${tags.domain};`];
  if (tags.headers !== null) parts.push(`h=${tags.headers.join(":")};`);
  parts.push(`q=dns;`, `s=${tags.selector};`, `b=${tags.b}`);
  const lines: string[] = [];
  let line = `${DK_SIGNATURE_FIELD}:`;
  for (const part of parts) {
    if (line.length + 1 + part.length <= MAX_LINE) {
      line += ` ${part}`;
      continue;
    }
    if (1 + part.length <= MAX_LINE) {
      lines.push(line);
      line = ` ${part}`;
      continue;
    }
    // A long h= breaks after a colon; a long b= anywhere after "b=". A tag name is never split.
    const pieces = part.startsWith("h=") ? part.split(/(?<=:)/) : [part.slice(0, 2), ...part.slice(2)];
    if (line.length + 1 + pieces[0]!.length > MAX_LINE) {
      lines.push(line);
      line = "";
    }
    line += " ";
    for (const piece of pieces) {
      if (line.length + piece.length > MAX_LINE) {
        lines.push(line);
        line = " ";
      }
      line += piece;
    }
  }
  lines.push(line);
  return lines.join("\r\n");
}
