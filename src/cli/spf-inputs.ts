/** Checks of check-spf inputs (client IP, MAIL FROM, HELO) shared by single and --batch runs. */

import { dnsNameProblem, domainNameProblem } from "../dns/names.js";
import { MAX_VOID_LOOKUPS } from "../spf/check-state.js";
import { integer } from "./flag-rules.js";

/** The `--void-limit N` flag of check-spf and spf-lint (RFC 7208 §4.6.4 default 2). */
export const voidLimitFlag = integer({ min: 0, max: 100, fallback: MAX_VOID_LOOKUPS });
import { parseClientIp } from "../spf/ip-address.js";

/**
 * Why `ip` is not a usable client IP, or null. Uses the checker's own parser, so what passes here
 * is exactly what check_host() accepts (no zone ids like `fe80::1%eth0`, no leading zeros).
 */
export function ipProblem(ip: string): string | null {
  return parseClientIp(ip) === null ? `"${ip}" is not an IPv4 or IPv6 address` : null;
}

/** Whether `sender` is the null reverse-path ("" or "<>"). */
export function isNullSender(sender: string): boolean {
  return sender === "" || sender === "<>";
}

/**
 * Why `sender` is not a usable MAIL FROM, or null. Accepts local@domain, @domain (the local-part
 * becomes "postmaster", RFC 7208 §4.3), "<…>" around either, and the null sender "" / "<>".
 */
export function senderProblem(sender: string): string | null {
  if (isNullSender(sender)) return null;
  const s = sender.replace(/^<(.*)>$/, "$1");
  const at = s.lastIndexOf("@");
  if (at < 0) return `"${sender}" has no @domain (use local@domain, or "" for the null sender)`;
  if (/[\s\x00-\x1f\x7f]/.test(s)) return `"${sender}" contains white space or control characters`;
  const p = domainNameProblem(s.slice(at + 1));
  return p ? `the domain of "${sender}" ${p}` : null;
}

/** Why `helo` is not a usable HELO/EHLO argument (a host name or an address literal), or null. */
export function heloProblem(helo: string): string | null {
  const lit = /^\[(?:IPv6:)?([^\]]+)\]$/i.exec(helo);
  if (lit) return parseClientIp(lit[1]!) === null ? `"${helo}" is not a valid address literal` : null;
  const p = dnsNameProblem(helo);
  return p ? `"${helo}" ${p}` : null;
}

/** A checked transaction to evaluate, or the reason it cannot be. */
export type CheckInput = { ip: string; sender: string; helo?: string } | { problem: string };

/** Validates one (ip, sender, helo) triple for the given scope; flag names are used in messages. */
export function checkInput(
  raw: { ip?: unknown; sender?: unknown; helo?: unknown },
  scope: "mfrom" | "helo" | "both",
  names = { ip: "--ip", sender: "--sender", helo: "--helo" },
): CheckInput {
  if (raw.ip === undefined) return { problem: `${names.ip} is required (the client IP address)` };
  if (typeof raw.ip !== "string") return { problem: `${names.ip} must be a string` };
  const ipP = ipProblem(raw.ip);
  if (ipP) return { problem: `${names.ip}: ${ipP}` };
  if (raw.helo !== undefined && typeof raw.helo !== "string")
    return { problem: `${names.helo} must be a string` };
  const helo = raw.helo as string | undefined;
  if (helo !== undefined) {
    const hp = heloProblem(helo);
    if (hp) return { problem: `${names.helo}: ${hp}` };
  }
  const sender = raw.sender === undefined && scope === "helo" ? "" : raw.sender;
  if (sender === undefined)
    return { problem: `${names.sender} is required (the MAIL FROM address; "" for <>)` };
  if (typeof sender !== "string") return { problem: `${names.sender} must be a string` };
  const sp = senderProblem(sender);
  if (sp) return { problem: `${names.sender}: ${sp}` };
  if (helo === undefined && (scope !== "mfrom" || isNullSender(sender))) {
    return {
      problem: `${names.helo} is required ${scope !== "mfrom" ? `for --scope ${scope}` : "when MAIL FROM is empty (postmaster@HELO is checked)"}`,
    };
  }
  return helo === undefined ? { ip: raw.ip, sender } : { ip: raw.ip, sender, helo };
}
