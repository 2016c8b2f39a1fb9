/**
 * The DMARC record builder behind `spfdk spf-wizard` (RFC 7489): a policy and report addresses
 * become the TXT record at `_dmarc.DOMAIN`. Pure: no DNS, no I/O.
 */
import { domainNameProblem } from "../dns/names.js";

/** The requested handling of mail that fails DMARC (RFC 7489 §6.3 `p=`). */
export type DmarcPolicy = "none" | "quarantine" | "reject";

/** What the admin chose. */
export interface DmarcPlan {
  /** The organisational domain the record is for. */
  domain: string;
  /** `p=`; `none` (monitor only) is the usual start. */
  policy: DmarcPolicy;
  /** `rua=` aggregate-report addresses (`dmarc@example.com` or `mailto:dmarc@example.com`). */
  rua: string[];
}

/** The outcome of `buildDmarcRecord`. */
export interface DmarcBuild {
  /** Owner name with the trailing dot: `_dmarc.example.com.`. */
  name: string;
  /** The TXT value, `v=DMARC1; p=none; rua=mailto:…`. */
  value: string;
  /** Reasons not to publish it (a bad address). */
  problems: string[];
  /** Things worth knowing (external report domains, p=none without reports). */
  warnings: string[];
}

/** Why `address` cannot be a `rua=` address, or null. Accepts an optional `mailto:` prefix. */
export function reportAddressProblem(address: string): string | null {
  const bare = address.replace(/^mailto:/i, "");
  const at = bare.lastIndexOf("@");
  if (at <= 0) return `"${address}" is not a mail address (local@domain)`;
  const local = bare.slice(0, at);
  // RFC 7489 §6.4: ',' and '!' separate URIs and the size suffix, so they cannot appear unescaped.
  if (!/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(local) || /[,!;\s]/.test(local)) {
    return `"${address}" has characters a DMARC report URI cannot carry in its local part`;
  }
  const p = domainNameProblem(bare.slice(at + 1));
  return p === null ? null : `"${address}": the domain ${p}`;
}

/** `mailto:` form of a report address. */
function reportUri(address: string): string {
  return `mailto:${address.replace(/^mailto:/i, "")}`;
}

/**
 * Builds the DMARC record. Tag order as RFC 7489 §6.4 requires: `v=DMARC1` first, then `p=`.
 * Never throws; bad addresses go to `problems`. Does not check that report domains authorise
 * external reporting; it warns instead (RFC 7489 §7.1).
 */
export function buildDmarcRecord(plan: DmarcPlan): DmarcBuild {
  const domain = plan.domain.replace(/\.$/, "").toLowerCase();
  const problems: string[] = [];
  const warnings: string[] = [];
  const tags = ["v=DMARC1", `p=${plan.policy}`];
  const uris: string[] = [];
  for (const address of plan.rua) {
    const p = reportAddressProblem(address.trim());
    if (p !== null) {
      problems.push(`rua: ${p}`);
      continue;
    }
    const uri = reportUri(address.trim());
    if (uris.includes(uri)) continue;
    uris.push(uri);
    const reportDomain = uri.slice(uri.lastIndexOf("@") + 1).toLowerCase();
    if (reportDomain !== domain && !reportDomain.endsWith(`.${domain}`)) {
      warnings.push(
        `reports go to another domain: ${reportDomain} must publish ${domain}._report._dmarc.${reportDomain} TXT "v=DMARC1" (RFC 7489 §7.1)`,
      );
    }
  }
  if (uris.length > 0) tags.push(`rua=${uris.join(",")}`);
  if (plan.policy === "none" && uris.length === 0) {
    warnings.push("p=none without rua= changes nothing and collects no reports; add a report address");
  }
  return { name: `_dmarc.${domain}.`, value: tags.join("; "), problems, warnings };
}
