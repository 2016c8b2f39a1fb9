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

/** A yes/no question; `validate` may refuse an answer (it is then asked again, with the reason). */
export interface ConfirmQuestion {
  message: string;
  help: string;
  default: boolean;
  validate?: (answer: boolean) => string | null | Promise<string | null>;
}

/** A choice among values; each choice has a short description. */
export interface SelectQuestion<T extends string> {
  message: string;
  help: string;
  choices: ReadonlyArray<{ value: T; name: string; description: string }>;
  default: T;
}

/**
 * How the wizard asks. An implementation must re-ask an `input` or `confirm` until its `validate`
 * accepts the answer, showing the reason each time, and reject with an error named `ExitPromptError` when the user presses Ctrl-C.
 */
export interface Ask {
  input(q: InputQuestion): Promise<string>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  select<T extends string>(q: SelectQuestion<T>): Promise<T>;
}

/**
 * The @inquirer/prompts implementation: prints a two-line introduction, then each question with
 * its help line (dim) above it.
 */
export async function inquirerAsk(ctx: CommandContext): Promise<Ask> {
  const prompts = await import("@inquirer/prompts");
  const s = makeStyle(ctx.color());
  const help = (text: string) => ctx.stdout(`${s.dim(`  ${text}`)}\n`);
  ctx.stdout(
    `${s.heading("spfdk spf-wizard")}: questions about who sends your mail, then every DNS record it needs.\n` +
      `${s.dim("Press Enter to accept the default shown; Ctrl-C quits and writes nothing.")}\n\n`,
  );
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
      for (;;) {
        const answer = await prompts.confirm({ message: q.message, default: q.default });
        const problem = q.validate ? await q.validate(answer) : null;
        if (problem === null) return answer;
        // Shown like the prompt library's own validation message, then the question comes again.
        ctx.stdout(`${s.bad(`> ${problem}`)}\n`);
      }
    },
    async select<T extends string>(q: SelectQuestion<T>) {
      help(q.help);
      return prompts.select<T>({ message: q.message, choices: q.choices, default: q.default });
    },
  };
}
