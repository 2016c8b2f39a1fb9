import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { SUBCOMMANDS } from "./commands.js";
import type { CliDeps, CommandContext } from "./deps.js";
import { CliError, EXIT_INTERRUPTED, ExitCode } from "./exit-codes.js";

/** The package version, read once from package.json (two levels above src/cli and dist/cli). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** The first word of argv that is not an option: the subcommand the user asked for, if any. */
function requestedSubcommand(argv: readonly string[]): string | undefined {
  for (const arg of argv) {
    if (arg === "--") return undefined;
    if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

function buildContext(deps: CliDeps, argv: readonly string[], state: { exitCode: number }): CommandContext {
  const verbose = argv.includes("--verbose");
  const noColor = argv.includes("--no-color") || argv.includes("--json") || deps.env.NO_COLOR !== undefined;
  return {
    ...deps,
    setExitCode: (code) => {
      state.exitCode = code;
    },
    color: () => !noColor && deps.isTTY.stdout && deps.env.TERM !== "dumb",
    trace: (line) => {
      if (verbose) deps.stderr(`trace: ${line}\n`);
    },
  };
}

/**
 * Runs spfdk with `argv` (without node and script) and returns the exit code. Only subcommand
 * files the user asked for are imported, so `--version` stays cheap. Never throws.
 */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  const state = { exitCode: ExitCode.Ok as number };
  const ctx = buildContext(deps, argv, state);
  // commander's own usage errors get the same "spfdk: " prefix as every other one-line error.
  const output = {
    writeOut: (s: string) => deps.stdout(s),
    writeErr: (s: string) => deps.stderr(s.replace(/^error: /, "spfdk: ")),
  };
  const program = new Command("spfdk")
    .description("SPF and DKIM/DomainKeys for Postfix: keys, DNS records, SPF checks, signing and verifying")
    .version(packageVersion(), "-V, --version", "print the version")
    .addOption(new Option("--verbose", "show step-by-step detail, and a stack trace on internal errors"))
    .addOption(new Option("--no-color", "no colour in the output (NO_COLOR is honoured too)"))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(output)
    .addHelpText(
      "after",
      "\nRun `spfdk <command> --help` for a command's options and examples.\nExit codes: see docs/exit-codes.md.",
    );

  const wanted = requestedSubcommand(argv);
  try {
    for (const entry of SUBCOMMANDS) {
      if (entry.name === wanted) {
        const mod = await entry.load();
        const cmd = mod.makeCommand(ctx);
        cmd.exitOverride().configureOutput(output);
        program.addCommand(cmd);
      } else {
        program.command(entry.name).description(entry.summary);
      }
    }
    await program.parseAsync([...argv], { from: "user" });
    return state.exitCode;
  } catch (err) {
    return handleError(err, deps, argv.includes("--verbose"));
  }
}

function handleError(err: unknown, deps: CliDeps, verbose: boolean): number {
  if (err instanceof CommanderError) {
    if (
      err.code === "commander.helpDisplayed" ||
      err.code === "commander.version" ||
      err.code === "commander.help"
    ) {
      return ExitCode.Ok;
    }
    if (err.code === "commander.executeSubCommandAsync") return ExitCode.Usage;
    return ExitCode.Usage; // commander already printed its one-line message
  }
  if (err instanceof CliError) {
    deps.stderr(`spfdk: ${err.message}\n`);
    if (verbose && err.cause instanceof Error && err.cause.stack) deps.stderr(`${err.cause.stack}\n`);
    return err.exitCode;
  }
  if (isPromptExit(err)) return EXIT_INTERRUPTED;
  const message = err instanceof Error ? err.message : String(err);
  deps.stderr(`spfdk: internal error: ${message} (please report this; --verbose shows the stack trace)\n`);
  if (verbose && err instanceof Error && err.stack) deps.stderr(`${err.stack}\n`);
  return ExitCode.Internal;
}

/** @inquirer/prompts rejects with ExitPromptError on Ctrl-C. */
function isPromptExit(err: unknown): boolean {
  return err instanceof Error && err.name === "ExitPromptError";
}
