/** IPv4/IPv6 address parsing and CIDR matching for SPF (pure; the core may not use node:net). */

/** A parsed IP address: 4 or 16 bytes. */
export interface IpAddress {
  version: 4 | 6;
  bytes: Uint8Array;
  /**
   * True when an IPv6 address was written with upper-case hex digits. RFC 7208 §7.3 is silent on
   * the case of the `%{i}` nibbles; we keep the caller's case (the suite's `v-macro-ip6` expects it).
   */
  upperHex?: boolean;
}

/**
 * Parses dotted-quad IPv4 as in RFC 7208 §5.6 (qnum: 0-255, no leading zeros), or null. A
 * character loop rather than a regex: it runs for the client IP and every A record compared.
 */
export function parseIp4(text: string): Uint8Array | null {
  if (text.length < 7 || text.length > 15) return null;
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && value === 0) return null; // leading zero
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return null;
    } else if (c === 0x2e && digits > 0 && part < 4) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else return null;
  }
  return part === 4 ? out : null;
}

/** Parses an IPv6 address in RFC 4291 §2.2 text form (with `::` and an embedded IPv4 tail), or null. */
export function parseIp6(text: string): Uint8Array | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIp4(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return null;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/**
 * Parses a client IP. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is returned as IPv4, since
 * the SMTP client is then an IPv4 host (RFC 7208 §5: the "ip4" checks apply; suite `ip4-mapped-ip6`).
 */
export function parseClientIp(text: string): IpAddress | null {
  const v4 = parseIp4(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIp6(text);
  if (!v6) return null;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  if (mapped) return { version: 4, bytes: v6.slice(12) };
  return { version: 6, bytes: v6, upperHex: /[A-F]/.test(text) && !/[a-f]/.test(text) };
}

/** Whether the first `prefix` bits of `a` and `b` are equal (same length arrays). */
export function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  if (a.length !== b.length) return false;
  let bits = prefix;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/** Text form: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return Array.from(ip.bytes).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** The `%{i}` form: dotted quad, or 32 dot-separated nibbles for IPv6 (RFC 7208 §7.3). */
export function macroIp(ip: IpAddress): string {
  if (ip.version === 4) return formatIp(ip);
  const nibbles: string[] = [];
  for (const b of ip.bytes) nibbles.push((b >> 4).toString(16), (b & 0xf).toString(16));
  const dotted = nibbles.join(".");
  return ip.upperHex ? dotted.toUpperCase() : dotted;
}
