/** Output of `spfdk spf-wizard`: the records as text, as BIND zone lines, or as JSON. */
import { bindTxtRecord, splitTxtStrings } from "../dkim/key-record.js";
import { MAX_DNS_LOOKUPS } from "../spf/record-builder.js";
import type { RecordChange, RecordKind } from "../spf/record-builder-changes.js";
import type { Style } from "./style.js";

/** One record to publish, with everything the output shows about it. */
export interface WizardRecord {
  kind: RecordKind;
  /** Owner name with the trailing dot. */
  name: string;
  type: "TXT";
  value: string;
  /** The value split into character-strings of at most 255 bytes. */
  strings: string[];
  /** The BIND zone-file line(s). */
  bind: string;
  /** The name relative to the domain, as web DNS panels want it (`@`, `mail._domainkey`). */
  host: string;
  /**
   * SPF only: DNS-querying terms in the record itself, and in its whole include tree (null when DNS
   * was not asked).
   */
  lookups?: { record: number; tree: number | null };
  warnings: string[];
  /** What it changes against the published records; null when they could not be fetched. */
  change: RecordChange | null;
}

/** The whole result of a run (the JSON output). */
export interface WizardResult {
  domain: string;
  records: WizardRecord[];
  /** The DKIM private key file, and whether this run wrote it. */
  privateKey: { file: string; written: boolean; type: string; bits: number } | null;
  /** The zone snippet written with --out, or null. */
  zoneFile: string | null;
  /** Backups made with --force. */
  backups: string[];
}

/** Builds a WizardRecord from its parts. */
export function wizardRecord(
  kind: RecordKind,
  domain: string,
  name: string,
  value: string,
  warnings: string[],
): WizardRecord {
  const bare = name.replace(/\.$/, "");
  const host = bare === domain ? "@" : bare.endsWith(`.${domain}`) ? bare.slice(0, -domain.length - 1) : name;
  return {
    kind,
    name,
    type: "TXT",
    value,
    strings: splitTxtStrings(value),
    bind: bindTxtRecord(name, value),
    host,
    warnings,
    change: null,
  };
}

/** The zone snippet: a comment line and every record as BIND lines. */
export function zoneSnippet(result: WizardResult): string {
  const lines = [`; spfdk spf-wizard: records for ${result.domain}`, ...result.records.map((r) => r.bind)];
  return `${lines.join("\n")}\n`;
}

function describeChange(kind: RecordKind, change: RecordChange | null): string | null {
  if (change === null) return null;
  switch (change.status) {
    case "new":
      return "change: new (nothing of this kind is published now)";
    case "unchanged":
      return "change: none (already published exactly like this)";
    case "replaces": {
      const old = change.current.map((c) => JSON.stringify(c)).join(" and ");
      // Publishing the new record next to the old one would leave two (RFC 7208 §4.5: permerror).
      const hint = kind === "spf" ? "; delete it: two SPF records give permerror (RFC 7208 §4.5)" : "";
      return `change: replaces ${old}${hint}`;
    }
    case "unknown":
      return `change: unknown (the current record could not be fetched: ${change.detail})`;
    default:
      return null;
  }
}

const TITLES: Record<RecordKind, string> = { spf: "SPF", dkim: "DKIM key", dmarc: "DMARC" };

/** The human-readable report. */
export function renderText(result: WizardResult, s: Style): string {
  const out: string[] = [s.heading(`Records for ${result.domain}`), ""];
  for (const r of result.records) {
    out.push(s.heading(`${TITLES[r.kind]}: ${r.name} ${r.type}`), `  value: ${r.value}`);
    if (r.lookups) {
      const { record, tree } = r.lookups;
      const withTree =
        tree === null || tree === record ? "" : ` (${tree}/${MAX_DNS_LOOKUPS} with the included records)`;
      out.push(`  DNS lookups: ${record}/${MAX_DNS_LOOKUPS}${withTree}`);
    }
    for (const w of r.warnings) out.push(s.warn(`  warning: ${w}`));
    const change = describeChange(r.kind, r.change);
    if (change) out.push(`  ${change}`);
    if (r.kind === "dkim" && result.privateKey) {
      const pk = result.privateKey;
      out.push(
        `  private key: ${pk.file} (${pk.written ? "written now, mode 0600" : "existing file, read only"})`,
      );
    }
    out.push("");
  }
  out.push(
    s.heading("Zone file lines (BIND; strings of at most 255 bytes):"),
    zoneSnippet(result).trimEnd(),
    "",
  );
  out.push(s.heading("For a web DNS panel (host, type TXT, value on one line):"));
  const width = Math.max(...result.records.map((r) => r.host.length));
  for (const r of result.records) out.push(`  ${r.host.padEnd(width)}  TXT  ${r.value}`);
  if (result.records.some((r) => r.strings.length > 1)) {
    out.push(
      s.dim("  (a panel that refuses values over 255 characters wants the quoted strings above, one by one)"),
    );
  }
  if (result.zoneFile) out.push("", s.ok(`Zone snippet written to ${result.zoneFile}`));
  for (const b of result.backups) out.push(`  backup: ${b}`);
  out.push("", s.heading("Next steps:"), ...nextSteps(result));
  return `${out.join("\n")}\n`;
}

/** What to do with the records: publish, sign, check, and tighten the policies later. */
function nextSteps(result: WizardResult): string[] {
  const steps = ["Publish the records above at your DNS provider (replacing the ones they replace)."];
  const dkim = result.records.find((r) => r.kind === "dkim");
  const spf = result.records.find((r) => r.kind === "spf");
  const dmarc = result.records.find((r) => r.kind === "dmarc");
  const selector = dkim ? dkim.name.slice(0, dkim.name.indexOf("._domainkey.")) : null;
  const key = result.privateKey;
  if (selector !== null && key) {
    steps.push(
      `Sign outgoing mail with selector ${selector}, domain ${result.domain} and the key ${key.file} (spfdk postfix-config --outbound wires Postfix to the signer).`,
    );
  }
  const checks = [`spfdk spf-lint ${result.domain}`];
  if (selector !== null && key) {
    checks.push(`spfdk check-key --domain ${result.domain} --selector ${selector} --key ${key.file}`);
  }
  steps.push(`Once the records are visible (allow for the TTL), check them: ${checks.join("  and  ")}`);
  if (dkim && /(^|;)\s*t=y\s*(;|$)/.test(dkim.value) && selector !== null && key) {
    steps.push(
      `t=y is for testing: once receivers report dkim=pass, run the wizard again with --key ${key.file} --selector ${selector} and without --testing.`,
    );
  }
  if (spf?.value.endsWith(" ~all")) {
    steps.push("~all is for testing: once all your mail passes SPF, run the wizard again with --all fail.");
  }
  if (dmarc && /; p=none(;|$)/.test(dmarc.value)) {
    steps.push(
      "DMARC p=none only reports: move to quarantine, then reject, once the reports show only your servers.",
    );
  }
  return steps.map((step, i) => `  ${i + 1}. ${step}`);
}
