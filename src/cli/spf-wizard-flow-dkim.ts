/**
 * The DKIM and DMARC questions of `spfdk spf-wizard`. Asks only what the flags did not answer;
 * with no `Ask` it takes the defaults (no DKIM unless --new-key or --key, no DMARC unless --dmarc).
 */
import { selectorProblem } from "../dns/names.js";
import type { KeyRecordForm } from "../dkim/key-record.js";
import { RSA_KEY_SIZES, type DkimKeyType } from "../dkim/keygen.js";
import { reportAddressProblem, type DmarcPolicy } from "../dmarc/record-builder.js";
import type { Ask } from "./spf-wizard-ask.js";
import { splitList } from "./spf-wizard-flow.js";

/** A new key is generated (and written to `dir/selector.private` once every question is answered). */
export interface DkimNewKey {
  mode: "new";
  selector: string;
  keyType: DkimKeyType;
  bits: number;
  testing: boolean;
  form: KeyRecordForm;
  dir: string;
}

/** An existing private key file is read; nothing is written. */
export interface DkimExistingKey {
  mode: "existing";
  selector: string;
  keyFile: string;
  testing: boolean;
  form: KeyRecordForm;
}

/** The DKIM part of the answers. */
export type DkimAnswer = { mode: "none" } | DkimNewKey | DkimExistingKey;

/** The DMARC part: null for no record. */
export type DmarcAnswer = { policy: DmarcPolicy; rua: string[] } | null;

/** DKIM and DMARC answers given as flags. */
export interface GivenKeys {
  dkim?: "new" | "existing" | "none";
  selector?: string;
  keyType?: DkimKeyType;
  bits?: number;
  testing?: boolean;
  domainkeys?: boolean;
  keyDir?: string;
  key?: string;
  dmarc?: boolean;
  dmarcPolicy?: DmarcPolicy;
  rua?: string[];
}

/** File checks the flow needs (the CLI supplies them; they touch the file system). */
export interface KeyChecks {
  /** Why a new key cannot be written as `dir/selector.private` (it exists), or null. */
  newKeyProblem: (dir: string, selector: string) => Promise<string | null>;
  /** Why `path` is not a usable private key (unreadable, not RSA/Ed25519, RSA under 1024 bits), or null. */
  keyFileProblem: (path: string) => Promise<string | null>;
  /** The key type of a usable key file (to know whether DomainKeys form is possible). */
  keyFileType: (path: string) => Promise<DkimKeyType>;
}

/** Defaults: selector "mail", RSA 2048, no t=y, DKIM form, key written to the current directory. */
export const DKIM_DEFAULTS = { selector: "mail", keyType: "rsa" as DkimKeyType, bits: 2048, dir: "." };

const checkSelector = (s: string) => {
  const p = selectorProblem(s.trim());
  return p === null ? null : `"${s.trim()}" ${p}`;
};

/** Asks the DKIM questions (or applies defaults). */
export async function askDkim(given: GivenKeys, ask: Ask | null, checks: KeyChecks): Promise<DkimAnswer> {
  const mode =
    given.dkim ??
    (ask
      ? await ask.select<"new" | "existing" | "none">({
          message: "DKIM signing key:",
          help: "The key whose public half goes into selector._domainkey; Postfix signs with the private half.",
          choices: [
            { value: "new", name: "create a new key now", description: "like spfdk keygen" },
            { value: "existing", name: "use an existing private key", description: "a PEM file" },
            { value: "none", name: "no DKIM record", description: "SPF (and DMARC) only" },
          ],
          default: "new",
        })
      : "none");
  if (mode === "none") return { mode };
  if (mode === "existing") {
    const keyFile = given.key ?? (await askKeyFile(ask!, checks));
    const keyType = await checks.keyFileType(keyFile);
    const selector = given.selector ?? (ask ? await askSelector(ask) : DKIM_DEFAULTS.selector);
    return { mode, keyFile, selector, ...(await askRecordForm(given, ask, keyType)) };
  }
  const keyType =
    given.keyType ??
    (ask
      ? await ask.select<DkimKeyType>({
          message: "Key type:",
          help: "RSA works everywhere; Ed25519 (RFC 8463) is short but not yet verified by all receivers.",
          choices: [
            { value: "rsa", name: "RSA", description: "recommended" },
            { value: "ed25519", name: "Ed25519", description: "add an RSA key too for older verifiers" },
          ],
          default: "rsa",
        })
      : DKIM_DEFAULTS.keyType);
  const bits = keyType === "ed25519" ? 256 : (given.bits ?? (ask ? await askBits(ask) : DKIM_DEFAULTS.bits));
  const dir =
    given.keyDir ??
    (ask
      ? (
          await ask.input({
            message: "Directory for the private key:",
            help: "SELECTOR.private is written there with mode 0600 (the directory is created 0700).",
            default: DKIM_DEFAULTS.dir,
            validate: (d) => (d.trim() === "" ? "a directory is needed" : null),
          })
        ).trim()
      : DKIM_DEFAULTS.dir);
  const selector =
    given.selector ??
    (ask ? await askSelector(ask, (s) => checks.newKeyProblem(dir, s.trim())) : DKIM_DEFAULTS.selector);
  return { mode, keyType, bits, dir, selector, ...(await askRecordForm(given, ask, keyType)) };
}

async function askSelector(ask: Ask, extra?: (s: string) => Promise<string | null>): Promise<string> {
  const answer = await ask.input({
    message: "Selector:",
    help: "A name for this key; the record goes at SELECTOR._domainkey.DOMAIN. A date like 2026a eases rotation.",
    default: DKIM_DEFAULTS.selector,
    validate: async (s) => checkSelector(s) ?? (extra ? await extra(s) : null),
  });
  return answer.trim();
}

async function askKeyFile(ask: Ask, checks: KeyChecks): Promise<string> {
  const answer = await ask.input({
    message: "Private key file (PEM):",
    help: "The key Postfix's signer (OpenDKIM, dkimpy, spfdk sign) already uses.",
    validate: (p) => (p.trim() === "" ? "a file name is needed" : checks.keyFileProblem(p.trim())),
  });
  return answer.trim();
}

async function askBits(ask: Ask): Promise<number> {
  const bits = await ask.select<string>({
    message: "RSA key size:",
    help: "2048 bits is the usual choice; under 1024 is refused (RFC 8301).",
    choices: RSA_KEY_SIZES.map((b) => ({
      value: String(b),
      name: `${b} bits`,
      description: b === 1024 ? "smallest allowed" : b === 2048 ? "recommended" : "needs several TXT strings",
    })),
    default: "2048",
  });
  return Number(bits);
}

async function askRecordForm(
  given: GivenKeys,
  ask: Ask | null,
  keyType: DkimKeyType,
): Promise<{ testing: boolean; form: KeyRecordForm }> {
  const testing =
    given.testing ??
    (ask
      ? await ask.confirm({
          message: "Publish the key in testing mode (t=y)?",
          help: "Asks verifiers not to act on failures while you try it out; remove t=y later.",
          default: false,
        })
      : false);
  let domainkeys = given.domainkeys ?? false;
  if (given.domainkeys === undefined && ask && keyType === "rsa") {
    domainkeys = await ask.confirm({
      message: "Use the legacy DomainKeys record form (k=rsa; p=…, no v=DKIM1)?",
      help: "Only for old dkfilter/DomainKeys signers (RFC 4870); DKIM verifiers read both forms.",
      default: false,
    });
  }
  return { testing, form: domainkeys ? "domainkeys" : "dkim" };
}

/** Asks the DMARC questions (or applies defaults). */
export async function askDmarc(domain: string, given: GivenKeys, ask: Ask | null): Promise<DmarcAnswer> {
  const wanted =
    given.dmarc ??
    (ask
      ? await ask.confirm({
          message: `Add a DMARC record at _dmarc.${domain}?`,
          help: "p=none only asks receivers for reports: nothing is rejected, and you learn who sends as you.",
          default: true,
        })
      : false);
  if (!wanted) return null;
  const policy =
    given.dmarcPolicy ??
    (ask
      ? await ask.select<DmarcPolicy>({
          message: "DMARC policy (p=):",
          help: "Start with none; move to quarantine, then reject, once reports show only your servers.",
          choices: [
            { value: "none", name: "none", description: "monitor only (recommended to start)" },
            { value: "quarantine", name: "quarantine", description: "failing mail goes to spam" },
            { value: "reject", name: "reject", description: "failing mail is refused" },
          ],
          default: "none",
        })
      : "none");
  const rua =
    given.rua ??
    (ask
      ? splitList(
          await ask.input({
            message: "Address for aggregate reports (rua=):",
            help: "Daily XML reports arrive here; use a mailbox you read or a report service.",
            default: `postmaster@${domain}`,
            validate: (a) =>
              splitList(a)
                .map(reportAddressProblem)
                .find((p) => p !== null) ?? null,
          }),
        )
      : [`postmaster@${domain}`]);
  return { policy, rua };
}
