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
];
