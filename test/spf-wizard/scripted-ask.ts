import type { CliDeps } from "../../src/cli/deps.js";
import type { Ask } from "../../src/cli/spf-wizard-ask.js";
import { runCli, type CliRun } from "../helpers/cli.js";

/** A scripted answer; CTRL_C makes the question reject the way @inquirer/prompts does on Ctrl-C. */
export type Answer = string | boolean | typeof CTRL_C;
export const CTRL_C = Symbol("ctrl-c");

/** What a scripted session saw: every question asked and every re-ask reason shown. */
export interface Transcript {
  questions: string[];
  reasks: string[];
}

function exitPromptError(): Error {
  const e = new Error("User force closed the prompt with SIGINT");
  e.name = "ExitPromptError";
  return e;
}

/**
 * An `Ask` that answers from `answers` in order. Like the real prompt, an input answer that
 * `validate` rejects (text or yes/no) is re-asked: the reason is recorded and the next scripted answer is used.
 * Runs out of answers → throws, naming the question (the test then fails loudly).
 */
export function scriptedAsk(answers: Answer[]): { ask: Ask; transcript: Transcript } {
  const queue = [...answers];
  const transcript: Transcript = { questions: [], reasks: [] };
  const next = (message: string): string | boolean => {
    if (queue.length === 0) throw new Error(`script ran out of answers at: ${message}`);
    const a = queue.shift()!;
    if (a === CTRL_C) throw exitPromptError();
    return a;
  };
  const ask: Ask = {
    async input(q) {
      transcript.questions.push(q.message);
      for (;;) {
        const raw = next(q.message);
        if (typeof raw !== "string") throw new Error(`expected text for: ${q.message}`);
        const value = raw === "" && q.default !== undefined ? q.default : raw;
        const problem = q.validate ? await q.validate(value) : null;
        if (problem === null) return value;
        transcript.reasks.push(problem);
      }
    },
    async confirm(q) {
      transcript.questions.push(q.message);
      for (;;) {
        const a = next(q.message);
        if (typeof a !== "boolean") throw new Error(`expected yes/no for: ${q.message}`);
        const problem = q.validate ? await q.validate(a) : null;
        if (problem === null) return a;
        transcript.reasks.push(problem);
      }
    },
    async select(q) {
      transcript.questions.push(q.message);
      const a = next(q.message);
      const choice = q.choices.find((c) => c.value === a);
      if (!choice) throw new Error(`"${String(a)}" is not a choice of: ${q.message}`);
      return choice.value;
    },
  };
  return { ask, transcript };
}

/**
 * Runs `spfdk spf-wizard …argv` in-process as if on a terminal, answering from the script. Without
 * `overrides.resolver` it adds --offline.
 */
export async function runWizard(
  argv: string[],
  answers: Answer[],
  overrides: Partial<CliDeps> = {},
): Promise<CliRun & { transcript: Transcript }> {
  const { ask, transcript } = scriptedAsk(answers);
  const deps = { isTTY: { stdin: true, stdout: true }, ...overrides, ask };
  // Nothing queries public DNS: without an injected resolver the wizard runs --offline.
  const offline = overrides.resolver ? [] : ["--offline"];
  const r = await runCli(["spf-wizard", ...argv, ...offline], deps);
  return { ...r, transcript };
}
