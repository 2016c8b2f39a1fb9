/**
 * Checks of the single answers the SPF wizard turns into terms: an ip4/ip6 network, a host name
 * for `a:`/`mx:`/`include:`, and a domain-spec with macros for `exists:`. Pure; each function
 * returns a one-line reason, or null when the answer is usable.
 */
import { domainNameProblem } from "../dns/names.js";
import { parseIp4, parseIp6 } from "./ip-address.js";

/** A network written as `address` or `address/prefix`, split and checked. */
export interface NetworkAnswer {
  address: Uint8Array;
  prefix: number;
  /** Whether a `/prefix` was written (a bare address means /32 or /128). */
  explicitPrefix: boolean;
}

/** RFC 7208 §5.6: ip4-cidr-length and ip6-cidr-length have no leading zeros. */
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

/**
 * Parses an `ip4:` or `ip6:` argument (`192.0.2.0/24`, `2001:db8::/32`). Returns the network, or a
 * reason string: not an address of that family, a prefix out of range or with leading zeros.
 */
export function parseNetwork(text: string, version: 4 | 6): NetworkAnswer | string {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  const address = version === 4 ? parseIp4(addrText) : parseIp6(addrText);
  const family = version === 4 ? "IPv4" : "IPv6";
  if (!address) {
    const other = version === 4 ? parseIp6(addrText) : parseIp4(addrText);
    if (other)
      return `"${addrText}" is an IPv${version === 4 ? 6 : 4} address; list it under ip${version === 4 ? 6 : 4}`;
    return `"${addrText}" is not an ${family} address${version === 4 ? " (four numbers 0-255 without leading zeros)" : ""}`;
  }
  const max = version === 4 ? 32 : 128;
  if (prefixText === null) return { address, prefix: max, explicitPrefix: false };
  if (!PREFIX.test(prefixText) || Number(prefixText) > max) {
    return `"/${prefixText}" is not a prefix length from 0 to ${max} (RFC 7208 §5.6)`;
  }
  return { address, prefix: Number(prefixText), explicitPrefix: true };
}

/** Whether bits after `prefix` are set in `address` (receivers ignore them, RFC 7208 §5.6). */
export function hostBitsSet(address: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < address.length * 8; bit++) {
    if ((address[bit >> 3]! >> (7 - (bit & 7))) & 1) return true;
  }
  return false;
}

/** Why `text` is not a usable `ip4:`/`ip6:` argument, or null. */
export function networkProblem(text: string, version: 4 | 6): string | null {
  const n = parseNetwork(text, version);
  return typeof n === "string" ? n : null;
}

/**
 * Why `name` cannot follow `a:`, `mx:` or `include:`, or null. These take a plain host name here
 * (macros belong in `exists:`); the top label must not be all-numeric (RFC 7208 §7.1 toplabel).
 */
export function hostProblem(name: string): string | null {
  if (name.includes("%")) return `"${name}" has a macro; the wizard accepts macros only in exists:`;
  if (/^\d+(\.\d+){3}$/.test(name)) return `"${name}" is an IP address, not a host name; use ip4:`;
  const p = domainNameProblem(name);
  return p === null ? null : `"${name}" ${p}`;
}

/** RFC 7208 §7.1 macro-expand: %{letter digits? "r"? delimiters*}, or %%, %_, %-. */
const MACRO = /%(?:\{[slodiphcrtvSLODIPHCRTV]\d*r?[.\-+,/_=]*\}|[%_-])/g;

/**
 * Why `spec` is not a usable `exists:` domain-spec, or null. Macros are allowed, except c, r and t
 * which only `exp=` may use (RFC 7208 §7.1); the text with macros replaced must be a host name.
 */
export function existsProblem(spec: string): string | null {
  const onlyExp = /%\{[crtCRT]/.exec(spec);
  if (onlyExp) return `"${spec}" uses ${onlyExp[0]}…}, which only exp= may use (RFC 7208 §7.1)`;
  const stripped = spec.replace(MACRO, "x");
  if (stripped.includes("%")) return `"${spec}" has a malformed macro (RFC 7208 §7.1)`;
  const p = domainNameProblem(stripped);
  return p === null ? null : `"${spec}" is not a domain-spec: it ${p}`;
}

/** A name without its trailing dot, lower-cased (DNS names compare case-insensitively). */
export function normalizeHost(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/** Private, loopback and documentation-free ranges receivers never see as SMTP clients on the Internet. */
const PRIVATE_V4: ReadonlyArray<readonly [number, number, number]> = [
  [10, 0, 8],
  [127, 0, 8],
  [169, 254, 16],
  [172, 16, 12],
  [192, 168, 16],
];

/** Whether an IPv4 address lies in a private or loopback range (RFC 1918, RFC 1122, RFC 3927). */
export function isPrivateIp4(address: Uint8Array): boolean {
  const value = (((address[0]! << 24) >>> 0) + (address[1]! << 16)) >>> 0;
  return PRIVATE_V4.some(([a, b, bits]) => {
    const base = ((a << 24) >>> 0) + (b << 16);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (value & mask) >>> 0 === (base & mask) >>> 0;
  });
}
