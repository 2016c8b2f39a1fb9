/**
 * The question interface of `spfdk spf-wizard`. The real one is @inquirer/prompts, loaded with
 * `await import()` only when the wizard asks something; tests pass a scripted `Ask` through deps.
 */
import type { CommandContext } from "./deps.js";
import { makeStyle } from "./style.js";

/** A reason to re-ask, or null when the answer is accepted. May be async (DNS checks). */
export type Validate = (answer: string) => string | null | Promise<string | null>;

/** A free-text question. `help` is the one-line explanation shown above it. */
export interface InputQuestion {
  message: string;
  help: string;
  default?: string;
  validate?: Validate;
}

/** A yes/no question. */
export interface ConfirmQuestion {
  message: string;
  help: string;
  default: boolean;
}

/** A choice among values; each choice has a short description. */
export interface SelectQuestion<T extends string> {
  message: string;
  help: string;
  choices: ReadonlyArray<{ value: T; name: string; description: string }>;
  default: T;
}

/**
 * How the wizard asks. An implementation must re-ask an `input` until `validate` accepts it, showing
 * the reason, and reject with an error named `ExitPromptError` when the user presses Ctrl-C.
 */
export interface Ask {
  input(q: InputQuestion): Promise<string>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  select<T extends string>(q: SelectQuestion<T>): Promise<T>;
}

/** A CommandContext that may carry a scripted `ask` (tests). */
export type WizardContext = CommandContext & { ask?: Ask };

/** The @inquirer/prompts implementation: help lines are printed dim above each question. */
export async function inquirerAsk(ctx: CommandContext): Promise<Ask> {
  const prompts = await import("@inquirer/prompts");
  const s = makeStyle(ctx.color());
  const help = (text: string) => ctx.stdout(`${s.dim(`  ${text}`)}\n`);
  return {
    async input(q) {
      help(q.help);
      return prompts.input({
        message: q.message,
        default: q.default,
        validate: q.validate
          ? async (value: string) => {
              const problem = await q.validate!(value);
              return problem === null ? true : problem;
            }
          : undefined,
      });
    },
    async confirm(q) {
      help(q.help);
      return prompts.confirm({ message: q.message, default: q.default });
    },
    async select<T extends string>(q: SelectQuestion<T>) {
      help(q.help);
      return prompts.select<T>({ message: q.message, choices: q.choices, default: q.default });
    },
  };
}
