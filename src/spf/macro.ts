/** SPF macros (RFC 7208 §7): parsing of macro-strings and their expansion. */

import { macroIp, formatIp, type IpAddress } from "./ip-address.js";

/** A piece of a macro-string: literal text or one `%{…}` expand. */
export type MacroToken =
  | { kind: "literal"; text: string }
  | {
      kind: "macro";
      letter: string;
      upper: boolean;
      digits: number | null;
      reverse: boolean;
      delimiters: string;
    };

/** Where macros appear: a domain-spec (no c, r, t; RFC 7208 §7.3) or an explanation TXT string (spaces allowed). */
export type MacroContext = "domain" | "exp";

const DOMAIN_LETTERS = "slodiphv";
const EXP_LETTERS = "slodiphvcrt";
/** Expansion stops growing past this many characters (domain names are cut to 253 later). */
const MAX_EXPANSION = 8192;
/** Longest right-hand part count we accept; RFC 7208 §7.3 requires at least 128 to be supported. */
const MAX_DIGITS = 128;

/**
 * Parses a macro-string (RFC 7208 §7.1). Returns the tokens, or a problem text naming the bad
 * macro. Does not check what the text expands to.
 */
export function parseMacroString(
  text: string,
  context: MacroContext,
): { tokens: MacroToken[] } | { problem: string } {
  const letters = context === "exp" ? EXP_LETTERS : DOMAIN_LETTERS;
  const tokens: MacroToken[] = [];
  let literal = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = ch.charCodeAt(0);
    if (ch !== "%") {
      const visible = code >= 0x21 && code <= 0x7e;
      if (!visible && !(context === "exp" && ch === " ")) {
        return { problem: `invalid character ${JSON.stringify(ch)} at offset ${i}` };
      }
      literal += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === "%") literal += "%";
    else if (next === "_") literal += " ";
    else if (next === "-") literal += "%20";
    else if (next === "{") {
      const close = text.indexOf("}", i + 2);
      if (close < 0) return { problem: `unterminated macro at offset ${i}` };
      const m = /^([A-Za-z])(\d*)(r?)([-.+,/_=]*)$/i.exec(text.slice(i + 2, close));
      if (!m || !letters.includes(m[1]!.toLowerCase())) {
        return { problem: `invalid macro "${text.slice(i, close + 1)}" (RFC 7208 §7.1)` };
      }
      const digits = m[2] === "" ? null : Number(m[2]);
      if (digits === 0)
        return { problem: `macro "${text.slice(i, close + 1)}" keeps zero parts (RFC 7208 §7.1)` };
      if (literal) tokens.push({ kind: "literal", text: literal });
      literal = "";
      tokens.push({
        kind: "macro",
        letter: m[1]!.toLowerCase(),
        upper: m[1] !== m[1]!.toLowerCase(),
        digits: digits === null ? null : Math.min(digits, MAX_DIGITS),
        reverse: m[3]!.length > 0,
        delimiters: m[4] || ".",
      });
      i = close;
      continue;
    } else {
      return { problem: `invalid macro "%${next ?? ""}" at offset ${i} (RFC 7208 §7.1)` };
    }
    i++;
  }
  if (literal) tokens.push({ kind: "literal", text: literal });
  return { tokens };
}

/** The values the macro letters expand to (RFC 7208 §7.3). */
export interface MacroValues {
  /** `s`: the identity checked, local-part@domain. */
  sender: string;
  /** `l`: its local-part. */
  localPart: string;
  /** `o`: its domain. */
  senderDomain: string;
  /** `d`: the current domain. */
  domain: string;
  /** `i`, `c`, `v`: the client IP. */
  ip: IpAddress;
  /** `h`: the HELO/EHLO name. */
  helo: string;
  /** `r`: the receiving host's name ("unknown" when not given). */
  receiver: string;
  /** `t`: seconds since the epoch. */
  timestamp: number;
  /** `p`: the validated client domain name for the current domain, looked up only when used. */
  validatedName: (domain: string) => Promise<string>;
}

/** RFC 3986 unreserved characters stay; everything else is %-escaped (RFC 7208 §7.3, upper-case letters). */
function urlEscape(s: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

async function letterValue(letter: string, v: MacroValues): Promise<string> {
  switch (letter) {
    case "s":
      return v.sender;
    case "l":
      return v.localPart;
    case "o":
      return v.senderDomain;
    case "d":
      return v.domain;
    case "i":
      return macroIp(v.ip);
    case "p":
      return v.validatedName(v.domain);
    case "v":
      return v.ip.version === 4 ? "in-addr" : "ip6";
    case "h":
      return v.helo;
    case "c":
      return formatIp(v.ip);
    case "r":
      return v.receiver;
    case "t":
      return String(v.timestamp);
    default:
      return "";
  }
}

/** Expands parsed tokens (RFC 7208 §7.3 transformers: split on delimiters, reverse, keep right-most N, join with "."). */
export async function expandTokens(tokens: readonly MacroToken[], values: MacroValues): Promise<string> {
  let out = "";
  for (const t of tokens) {
    if (out.length > MAX_EXPANSION) break; // hostile records: the result is cut anyway (253 or exp length)
    if (t.kind === "literal") {
      out += t.text;
      continue;
    }
    const raw = await letterValue(t.letter, values);
    let parts = raw.split(new RegExp(`[${t.delimiters.replace(/[-\\\]^]/g, "\\$&")}]`));
    if (t.reverse) parts.reverse();
    if (t.digits !== null && parts.length > t.digits) parts = parts.slice(parts.length - t.digits);
    const joined = parts.join(".");
    out += t.upper ? urlEscape(joined) : joined;
  }
  return out;
}

/**
 * Turns an expanded domain-spec into a query name: strips one trailing dot and, when longer than
 * 253 characters, drops left-hand labels until it fits (RFC 7208 §7.3 last paragraph).
 */
export function fitDomainName(expanded: string): string {
  let name = expanded.endsWith(".") ? expanded.slice(0, -1) : expanded;
  while (name.length > 253) {
    const dot = name.indexOf(".");
    if (dot < 0) return name;
    name = name.slice(dot + 1);
  }
  return name;
}
