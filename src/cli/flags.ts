import { z } from "zod";
import { CliError, ExitCode } from "./exit-codes.js";
import { flagError } from "./flag-rules.js";

/**
 * zod-based flag validation, for the commands that load zod anyway (spf-wizard, postfix-config).
 * The fast-start commands use src/cli/flag-rules.ts instead; both give the same one-line errors.
 */

/** Validates commander's option object with a zod schema; the first problem becomes CliError(Usage), one line. */
export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const message = issue?.message ?? "invalid value";
  if (issue?.path.length) throw flagError(String(issue.path[0]), message);
  throw new CliError(ExitCode.Usage, `options: ${message}`);
}

/** A zod string that is valid when `problem(value)` returns null; otherwise `"value" problem` is the message. */
export function checkedString(problem: (value: string) => string | null) {
  return z.string().superRefine((value, ctx) => {
    const p = problem(value);
    if (p !== null) ctx.addIssue({ code: "custom", message: `"${value}" ${p}` });
  });
}
