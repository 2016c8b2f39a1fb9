/**
 * A parser for BIND-style zone files (RFC 1035 §5.1 master file format), producing `ZoneData` for
 * `staticResolver`. Pure: the caller reads the file. Supported: `$ORIGIN`, `$TTL`, relative and
 * absolute names, `@`, a blank owner meaning "the previous owner", `;` comments, parentheses across
 * lines, quoted and unquoted character-strings with `\"`, `\\`, `\X` and `\DDD` escapes, optional TTL
 * (seconds or units like `1h30m`) and class (`IN`) in either order. Served types: A, AAAA, MX, PTR,
 * TXT, CNAME. Types listed in IGNORED_TYPES are skipped (their owner still exists, so other types
 * there answer NODATA, not NXDOMAIN); any other type is an error.
 */
import { dnsNameProblem, ipv4Octets, ipv6Groups } from "./names.js";
import { normalizeName, type ZoneData, type ZoneNode } from "./static-resolver.js";
import { lexZone, type Fail, type Token } from "./zone-file-lexer.js";

/** A malformed zone file; the message reads `file:line: problem`. */
export class ZoneFileError extends Error {
  override name = "ZoneFileError";
  /** The file name given to the parser (or "zone"). */
  readonly file: string;
  /** 1-based line of the problem. */
  readonly line: number;
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.file = file;
    this.line = line;
  }
}

/** Options of `parseZoneFile`. */
export interface ZoneFileOptions {
  /** Origin for relative names until a `$ORIGIN` line; without one, relative names are taken as written. */
  origin?: string;
  /** File name used in error messages (default "zone"). */
  file?: string;
}

/** Record types that are accepted and skipped: they do not affect what spfdk looks up. */
export const IGNORED_TYPES: readonly string[] = [
  "SOA",
  "NS",
  "SPF",
  "SRV",
  "CAA",
  "TLSA",
  "SSHFP",
  "HINFO",
  "DS",
  "DNSKEY",
  "RRSIG",
  "NSEC",
  "NSEC3",
  "NSEC3PARAM",
];

const MAX_TTL = 2 ** 31 - 1; // RFC 2181 §8

/** Seconds from `3600` or BIND units (`1w2d3h4m5s`), or null. */
function parseTtl(text: string): number | null {
  let seconds: number;
  if (/^[0-9]+$/.test(text)) seconds = Number(text);
  else if (/^([0-9]+[wdhms])+$/i.test(text)) {
    const unit: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
    seconds = 0;
    for (const [, n, u] of text.matchAll(/([0-9]+)([wdhms])/gi))
      seconds += Number(n) * unit[u!.toLowerCase()]!;
  } else return null;
  return seconds <= MAX_TTL ? seconds : null;
}

/**
 * Parses a zone file into `ZoneData` (owner names lower-case, no trailing dot; a TXT record of one
 * string is a `string`, of several a `string[]`; a node's `ttl` is the smallest TTL of its records).
 * Throws `ZoneFileError` naming file and line for: bad names, addresses, numbers or TTLs, missing or
 * extra rdata, unknown types or classes, CNAME beside other data (RFC 1034 §3.6.2), wildcards (not
 * supported), `$INCLUDE` and unknown directives, unbalanced parentheses and unterminated strings.
 * TXT bytes (including `\DDD` escapes) are decoded as UTF-8. Strings over 255 bytes are accepted
 * (a server splits them).
 */
export function parseZoneFile(text: string, opts: ZoneFileOptions = {}): ZoneData {
  const file = opts.file ?? "zone";
  const fail: Fail = (line, problem) => {
    throw new ZoneFileError(file, line, problem);
  };
  let origin: string | undefined;
  let defaultTtl: number | undefined;
  let previousOwner: string | undefined;
  const nodes = new Map<string, ZoneNode>();

  const nameOf = (tok: Token, what: string): string => {
    if (tok.escaped || tok.quoted)
      fail(tok.line, `${what} "${tok.text}": quotes and escapes in names are not supported`);
    let name: string;
    if (tok.text === "@") {
      if (origin === undefined) fail(tok.line, '"@" used but there is no origin ($ORIGIN)');
      name = origin;
    } else if (tok.text.endsWith(".")) name = tok.text.slice(0, -1);
    else name = origin === undefined ? tok.text : `${tok.text}.${origin}`;
    if (name.split(".").includes("*"))
      fail(tok.line, `${what} "${tok.text}": wildcard names are not supported`);
    const problem = dnsNameProblem(name);
    if (problem) fail(tok.line, `bad ${what} "${tok.text}": ${problem}`);
    return normalizeName(name);
  };

  if (opts.origin !== undefined)
    origin = nameOf(
      { text: `${opts.origin.replace(/\.$/, "")}.`, quoted: false, escaped: false, line: 0 },
      "origin",
    );

  for (const entry of lexZone(text, fail)) {
    const toks = [...entry.tokens];
    const first = toks[0]!;
    if (!entry.blankOwner && !first.quoted && first.text.startsWith("$")) {
      const directive = first.text.toUpperCase();
      const arg = toks[1];
      if (directive === "$ORIGIN" || directive === "$TTL") {
        if (!arg || toks.length > 2) fail(entry.line, `${directive} needs exactly one value`);
        if (directive === "$ORIGIN") origin = nameOf(arg, "origin");
        else defaultTtl = parseTtl(arg.text) ?? fail(arg.line, `bad TTL "${arg.text}"`);
      } else if (directive === "$INCLUDE") fail(entry.line, "$INCLUDE is not supported");
      else fail(entry.line, `unknown directive "${first.text}"`);
      continue;
    }
    let owner: string;
    if (entry.blankOwner)
      owner = previousOwner ?? fail(entry.line, "a record with a blank owner but no previous owner");
    else owner = nameOf(toks.shift()!, "owner name");
    previousOwner = owner;

    const { ttl, type } = readRecordHead(toks, entry.line, fail);
    addRecord(nodes, owner, type, toks, ttl ?? defaultTtl, entry.line, { fail, nameOf });
  }
  return Object.fromEntries(nodes);
}

/**
 * Takes the optional TTL and class (either order) and the type off the front of `toks`
 * (RFC 1035 §5.1); what remains is the rdata.
 */
function readRecordHead(toks: Token[], line: number, fail: Fail): { ttl: number | undefined; type: string } {
  let ttl: number | undefined;
  let sawClass = false;
  while (toks.length > 0) {
    const tok = toks.shift()!;
    const upper = tok.text.toUpperCase();
    const asTtl = tok.quoted ? null : parseTtl(tok.text);
    if (asTtl !== null && ttl === undefined && /^[0-9]/.test(tok.text)) ttl = asTtl;
    else if (!tok.quoted && upper === "IN" && !sawClass) sawClass = true;
    else if (!tok.quoted && ["CH", "HS", "CS", "ANY"].includes(upper))
      fail(tok.line, `class ${upper} is not supported (only IN)`);
    else return { ttl, type: upper };
  }
  return fail(line, "a record without a type");
}

interface Ctx {
  fail: Fail;
  nameOf: (tok: Token, what: string) => string;
}

/** Checks the rdata of one record of `type` and adds it to the node of `owner`. */
function addRecord(
  nodes: Map<string, ZoneNode>,
  owner: string,
  type: string,
  rdata: Token[],
  ttl: number | undefined,
  line: number,
  ctx: Ctx,
): void {
  const { fail } = ctx;
  const node = nodes.get(owner) ?? {};
  nodes.set(owner, node);
  if (IGNORED_TYPES.includes(type)) return;
  const need = (n: number, what: string): Token[] => {
    if (rdata.length < n) fail(line, `${type} record needs ${what}`);
    if (rdata.length > n) fail(rdata[n]!.line, `unexpected "${rdata[n]!.text}" after ${type} record`);
    return rdata;
  };
  const hasOther = ["TXT", "A", "AAAA", "MX", "PTR"].some(
    (t) => (node[t as keyof ZoneNode] as unknown[] | undefined)?.length,
  );
  if (
    (type === "CNAME" && (hasOther || node.CNAME !== undefined)) ||
    (type !== "CNAME" && node.CNAME !== undefined)
  ) {
    fail(line, `"${owner}" has a CNAME and other records (RFC 1034 §3.6.2)`);
  }
  switch (type) {
    case "A": {
      const [tok] = need(1, "an IPv4 address");
      if (!ipv4Octets(tok!.text)) fail(tok!.line, `bad IPv4 address "${tok!.text}"`);
      (node.A ??= []).push(tok!.text);
      break;
    }
    case "AAAA": {
      const [tok] = need(1, "an IPv6 address");
      if (!ipv6Groups(tok!.text)) fail(tok!.line, `bad IPv6 address "${tok!.text}"`);
      (node.AAAA ??= []).push(new URL(`http://[${tok!.text}]/`).hostname.slice(1, -1));
      break;
    }
    case "MX": {
      const [pref, exch] = need(2, "a preference and an exchange");
      if (!/^[0-9]{1,5}$/.test(pref!.text) || Number(pref!.text) > 65535)
        fail(pref!.line, `bad MX preference "${pref!.text}"`);
      const exchange = exch!.text === "." ? "" : ctx.nameOf(exch!, "MX exchange");
      (node.MX ??= []).push({ preference: Number(pref!.text), exchange });
      break;
    }
    case "PTR":
      (node.PTR ??= []).push(ctx.nameOf(need(1, "a target name")[0]!, "PTR target"));
      break;
    case "CNAME":
      node.CNAME = ctx.nameOf(need(1, "a target name")[0]!, "CNAME target");
      break;
    case "TXT":
      if (rdata.length === 0) fail(line, "TXT record needs at least one character-string");
      (node.TXT ??= []).push(rdata.length === 1 ? rdata[0]!.text : rdata.map((t) => t.text));
      break;
    default:
      fail(line, `unsupported record type "${type}" (served: A, AAAA, MX, PTR, TXT, CNAME)`);
  }
  if (ttl !== undefined) node.ttl = Math.min(node.ttl ?? ttl, ttl);
}
