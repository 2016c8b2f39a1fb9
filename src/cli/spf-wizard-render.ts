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

function describeChange(change: RecordChange | null): string | null {
  if (change === null) return null;
  switch (change.status) {
    case "new":
      return "change: new (nothing of this kind is published now)";
    case "unchanged":
      return "change: none (already published exactly like this)";
    case "replaces":
      return `change: replaces ${change.current.map((c) => JSON.stringify(c)).join(" and ")}`;
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
    const change = describeChange(r.change);
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
  for (const r of result.records) out.push(`  ${r.host}  TXT  ${r.value}`);
  if (result.zoneFile) out.push("", s.ok(`Zone snippet written to ${result.zoneFile}`));
  for (const b of result.backups) out.push(`  backup: ${b}`);
  return `${out.join("\n")}\n`;
}
