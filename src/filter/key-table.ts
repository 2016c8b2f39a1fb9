/**
 * The signing filter's key table (`spfdk filter --sign --key-table FILE`), for a host that signs
 * for several domains: one line per key, `domain selector key-file`, `#` comments and empty lines
 * ignored. Several lines of one domain give several signatures (RSA + Ed25519). Pure: the CLI
 * reads the file and the keys.
 */
import { domainNameProblem, selectorProblem } from "../dns/names.js";

/** One key of the table. */
export interface KeyTableEntry {
  domain: string;
  selector: string;
  /** The private key file, as written (relative to the table's directory when not absolute). */
  keyFile: string;
  /** The line it came from (1-based), for messages. */
  line: number;
}

/** The entries, or the first problem with its line number. */
export function parseKeyTable(
  text: string,
): { entries: KeyTableEntry[] } | { problem: string; line: number } {
  const entries: KeyTableEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/#.*$/, "").trim();
    if (l === "") continue;
    const f = l.split(/\s+/);
    const line = i + 1;
    if (f.length !== 3) return { problem: `want "domain selector key-file", got ${f.length} fields`, line };
    const [domain, selector, keyFile] = f as [string, string, string];
    const dp = domainNameProblem(domain);
    if (dp) return { problem: `domain "${domain}" ${dp}`, line };
    const sp = selectorProblem(selector);
    if (sp) return { problem: `selector "${selector}" ${sp}`, line };
    const key = `${domain.toLowerCase().replace(/\.$/, "")} ${selector.toLowerCase()}`;
    if (seen.has(key)) return { problem: `${domain} selector ${selector} is listed twice`, line };
    seen.add(key);
    entries.push({ domain: domain.replace(/\.$/, ""), selector, keyFile, line });
  }
  if (entries.length === 0) return { problem: "the table has no keys", line: lines.length };
  return { entries };
}
