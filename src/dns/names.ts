/** Pure checks of DNS names (RFC 1035 §2.3.4, RFC 1123 §2.1). No I/O: the core may import this file. */

/** Longest DNS name in text form without the trailing dot. */
export const MAX_NAME_LENGTH = 253;
/** Longest label. */
export const MAX_LABEL_LENGTH = 63;

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
