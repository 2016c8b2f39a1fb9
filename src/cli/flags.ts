import { z } from "zod";
const zString = () => z.string();
import { CliError, ExitCode } from "./exit-codes.js";

/** Validates commander's option object with a zod schema; the first problem becomes CliError(Usage), one line. */
export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length
    ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
    : "options";
  throw new CliError(ExitCode.Usage, `${path}: ${issue?.message ?? "invalid value"}`);
}

/** A zod string that is valid when `problem(value)` returns null; otherwise its text is the message. */
export function checkedString(problem: (value: string) => string | null, quote = true) {
  return zString().superRefine((value, ctx) => {
    const p = problem(value);
    if (p !== null) ctx.addIssue({ code: "custom", message: quote ? `"${value}" ${p}` : p });
  });
}
