/** Which identities to check (RFC 7208 §2.3 HELO, §2.4 MAIL FROM) and checking them. */

import { checkIdentity, type CheckHostOptions } from "./check-host.js";
import type { SpfOutcome } from "./types.js";

/** The identities a check covers: MAIL FROM, HELO, or both. */
export type SpfScope = "mfrom" | "helo" | "both";

/** Inputs of checkSpf. */
export interface CheckSpfOptions extends Omit<CheckHostOptions, "domain" | "sender" | "helo"> {
  /** The MAIL FROM address; "" or "<>" is the null reverse-path. */
  sender: string;
  /** The HELO/EHLO name. Needed for the helo scope and for a null MAIL FROM. */
  helo?: string;
  /** Default "mfrom". */
  scope?: SpfScope;
}

/** The outcome for one identity. */
export interface IdentityOutcome {
  identity: "mfrom" | "helo";
  /** The `<sender>` given to check_host(), e.g. "postmaster@mx.example.com" for a null MAIL FROM. */
  sender: string;
  /** The `<domain>` given to check_host(). */
  domain: string;
  /** True when MAIL FROM was empty and postmaster@HELO stood in for it (RFC 7208 §2.4). */
  nullSender: boolean;
  outcome: SpfOutcome;
}

/** The `<sender>` and `<domain>` for an identity; a sender with no local-part gets "postmaster" later (§4.3). */
function identityOf(identity: "mfrom" | "helo", sender: string, helo: string) {
  if (identity === "helo" || sender === "") {
    return { sender: `postmaster@${helo}`, domain: helo, nullSender: identity === "mfrom" };
  }
  const at = sender.lastIndexOf("@");
  return { sender, domain: at < 0 ? sender : sender.slice(at + 1), nullSender: false };
}

/**
 * Checks the identities of `scope` for one SMTP transaction, HELO first when both are checked
 * (RFC 7208 §2.3 recommends checking HELO first). A null MAIL FROM is checked as postmaster@HELO.
 * Returns one entry per identity; never throws for DNS or record problems.
 */
export async function checkSpf(opts: CheckSpfOptions): Promise<IdentityOutcome[]> {
  const { sender: raw, helo = "", scope = "mfrom" } = opts;
  const sender = raw === "<>" ? "" : raw.startsWith("<") ? raw.replace(/^<(.*)>$/, "$1") : raw;
  const wanted: ("mfrom" | "helo")[] = scope === "both" ? ["helo", "mfrom"] : [scope];
  const out: IdentityOutcome[] = [];
  for (const identity of wanted) {
    const id = identityOf(identity, sender, helo);
    // opts is passed as it is: checkIdentity reads only the settings, not sender/helo/scope.
    const outcome = await checkIdentity(opts, { sender: id.sender, domain: id.domain, helo });
    out.push({ identity, sender: id.sender, domain: id.domain, nullSender: id.nullSender, outcome });
  }
  return out;
}
