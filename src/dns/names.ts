/** Pure checks of DNS names (RFC 1035 §2.3.4, RFC 1123 §2.1). No I/O: the core may import this file. */

/** Longest DNS name in text form without the trailing dot. */
export const MAX_NAME_LENGTH = 253;
/** Longest label. */
export const MAX_LABEL_LENGTH = 63;

/** Lower-case, without the trailing dot: how every resolver and cache keys a name. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.charCodeAt(lower.length - 1) === 0x2e ? lower.slice(0, -1) : lower;
}

/** Why a name is not a valid DNS name, or null when it is. Allows `_` (as in `_domainkey`, `_spf`). */
export function dnsNameProblem(name: string): string | null {
  const n = name.endsWith(".") ? name.slice(0, -1) : name;
  if (n.length === 0) return "is empty";
  if (n.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  for (const label of n.split(".")) {
    if (label.length === 0) return "has an empty label";
    if (label.length > MAX_LABEL_LENGTH) return `has a label longer than ${MAX_LABEL_LENGTH} characters`;
    if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/.test(label)) {
      return `has an invalid label "${label}" (letters, digits, hyphens and underscores only; no leading or trailing hyphen)`;
    }
  }
  return null;
}

/** Why `name` is not a usable mail domain (at least two labels, top label not all-numeric), or null. */
export function domainNameProblem(name: string): string | null {
  const basic = dnsNameProblem(name);
  if (basic) return basic;
  const labels = name.replace(/\.$/, "").split(".");
  if (labels.length < 2) return "needs at least two labels (like example.com)";
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return "has an all-numeric top-level label";
  return null;
}

/** Why `selector` is not a valid DKIM selector (RFC 6376 §3.1: one or more labels), or null. */
export function selectorProblem(selector: string): string | null {
  if (selector.endsWith(".")) return "must not end with a dot";
  return dnsNameProblem(selector);
}

/**
 * The 8 groups of an IPv6 address as numbers, or null when `ip` is not an IPv6 address in text form
 * (RFC 4291 §2.2: `::` compression and a trailing dotted IPv4 part are accepted; zone ids are not).
 */
export function ipv6Groups(ip: string): number[] | null {
  let text = ip;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const octets = ipv4Octets(v4[2]!);
    if (!octets) return null;
    tail.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
    text = v4[1]!.endsWith("::") ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const groups: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1) return given === 8 ? [...head, ...tail] : null;
  if (given > 7) return null;
  return [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
}

/** The 4 octets of a dotted-quad IPv4 address (no leading zeros, each 0-255), or null. */
export function ipv4Octets(ip: string): number[] | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return null;
    octets.push(Number(p));
  }
  return octets;
}

/**
 * The reverse-lookup name of an IP address: `4.3.2.1.in-addr.arpa` (RFC 1035 §3.5) or the 32 nibbles
 * of an IPv6 address under `ip6.arpa` (RFC 3596 §2.5), lower-case, no trailing dot. Null when `ip` is
 * not an IP address.
 */
export function reverseName(ip: string): string | null {
  const v4 = ipv4Octets(ip);
  if (v4) return `${v4.reverse().join(".")}.in-addr.arpa`;
  const v6 = ipv6Groups(ip);
  if (!v6) return null;
  const nibbles = v6.map((g) => g.toString(16).padStart(4, "0")).join("");
  return `${[...nibbles].reverse().join(".")}.ip6.arpa`;
}
