import type { Command } from "commander";
import type { CommandContext } from "./deps.js";

/** One subcommand: its name and summary (for `spfdk --help`) and a loader that imports it only when run. */
export interface SubcommandEntry {
  name: string;
  summary: string;
  load: () => Promise<{ makeCommand: (ctx: CommandContext) => Command }>;
}

/** Every subcommand, in the order `spfdk --help` lists them. Each file is imported only when it runs. */
export const SUBCOMMANDS: readonly SubcommandEntry[] = [
  {
    name: "keygen",
    summary: "create a DKIM/DomainKeys key pair and its DNS record",
    load: () => import("./keygen.js"),
  },
  {
    name: "check-spf",
    summary: "evaluate SPF for a client IP and MAIL FROM/HELO",
    load: () => import("./check-spf.js"),
  },
  {
    name: "spf-lint",
    summary: "show a domain's SPF include tree, lookup counts and problems",
    load: () => import("./spf-lint.js"),
  },
  {
    name: "spf-wizard",
    summary: "build SPF, DKIM and DMARC records, interactively or from flags",
    load: () => import("./spf-wizard.js"),
  },
  {
    name: "postfix-config",
    summary: "render or apply the Postfix wiring (proxy, content filter, transport)",
    load: () => import("./postfix-config.js"),
  },
  {
    name: "sign",
    summary: "sign a message with DKIM (and optionally DomainKeys)",
    load: () => import("./sign.js"),
  },
  {
    name: "verify",
    summary: "verify DKIM and DomainKeys signatures of a message",
    load: () => import("./verify.js"),
  },
  {
    name: "filter",
    summary: "run the SMTP filter Postfix hands mail to: verify (10025) or sign (10027)",
    load: () => import("./filter.js"),
  },
  {
    name: "policy",
    summary: "run the SPF policy service for Postfix's check_policy_service",
    load: () => import("./policy.js"),
  },
  {
    name: "check-key",
    summary: "check a published DKIM key record (and a private key against it)",
    load: () => import("./check-key.js"),
  },
];
