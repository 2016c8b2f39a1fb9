import { CliError, ExitCode } from "./exit-codes.js";

/**
 * Light flag validation for the commands that must start fast (check-spf, verify, sign, keygen, …):
 * importing zod costs ~60 ms, more than Node itself, so these commands validate with these few rules
 * instead. Errors have the same one-line form as parseFlags: `--flag-name: message`.
 */

/** One flag's rule: turns commander's raw value into a typed one, or returns a problem. */
export interface Rule<T> {
  check(value: unknown): { ok: T } | { problem: string };
}

type Parsed<R> = { [K in keyof R]: R[K] extends Rule<infer T> ? T : never };

/** The flag as the user typed it: `voidLimit` -> `--void-limit`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A CliError(Usage) naming the flag, in the one-line form every command uses. */
export function flagError(key: string, message: string): CliError {
  return new CliError(ExitCode.Usage, `${flagName(key)}: ${message}`);
}

/** Validates commander's option object against `rules`; the first problem becomes CliError(Usage). */
export function parseFlagRules<R extends Record<string, Rule<unknown>>>(rules: R, raw: unknown): Parsed<R> {
  const input = (raw ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules)) {
    const r = rule.check(input[key]);
    if ("problem" in r) throw flagError(key, r.problem);
    out[key] = r.ok;
  }
  return out as Parsed<R>;
}

/** An optional string flag (undefined when absent). */
export const optionalString: Rule<string | undefined> = {
  check: (v) => (v === undefined || typeof v === "string" ? { ok: v } : { problem: "must be a string" }),
};

/** `rule`, or undefined when the flag is absent. */
export function optional<T>(rule: Rule<T>): Rule<T | undefined> {
  return { check: (v) => (v === undefined ? { ok: undefined } : rule.check(v)) };
}

/** A string flag with a default. */
export function stringOr(fallback: string): Rule<string> {
  return {
    check: (v) =>
      v === undefined
        ? { ok: fallback }
        : typeof v === "string"
          ? { ok: v }
          : { problem: "must be a string" },
  };
}

/** A boolean switch (false when absent). */
export const flag: Rule<boolean> = { check: (v) => ({ ok: v === true }) };

/** A string valid when `problem(value)` is null; the problem text follows the quoted value. */
export function checked(problem: (value: string) => string | null): Rule<string> {
  return {
    check: (v) => {
      if (typeof v !== "string") return { problem: "is required" };
      const p = problem(v);
      return p === null ? { ok: v } : { problem: `"${v}" ${p}` };
    },
  };
}

/** One of fixed words, with a default. */
export function choice<const T extends string>(values: readonly T[], fallback: T): Rule<T> {
  const list =
    values.length > 1 ? `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}` : values[0];
  return {
    check: (v) =>
      v === undefined
        ? { ok: fallback }
        : (values as readonly unknown[]).includes(v)
          ? { ok: v as T }
          : { problem: `must be ${list}` },
  };
}

/** A whole number in [min, max]; `fallback` when absent (undefined = stays optional). */
export function integer<F extends number | undefined>(o: {
  min: number;
  max: number;
  fallback: F;
  unit?: string;
}): Rule<number | F> {
  const unit = o.unit ? ` ${o.unit}` : "";
  return {
    check: (v) => {
      if (v === undefined) return { ok: o.fallback };
      const s = String(v).trim();
      if (!/^-?\d+$/.test(s)) return { problem: `must be a whole number${unit ? ` of${unit}` : ""}` };
      const n = Number(s);
      if (n < o.min) return { problem: `must be at least ${o.min}${unit}` };
      if (n > o.max) return { problem: `must be at most ${o.max}${unit}` };
      return { ok: n };
    },
  };
}

/** A switch that is on unless turned off (`--no-x` gives false). */
export const flagOn: Rule<boolean> = { check: (v) => ({ ok: v !== false }) };

/** A string matching `re`; `message` says what is expected. */
export function pattern(re: RegExp, message: string): Rule<string> {
  return {
    check: (v) => (typeof v === "string" && re.test(v) ? { ok: v } : { problem: message }),
  };
}

/** `rule`, or `fallback` when the flag is absent. */
export function withDefault<T>(rule: Rule<T>, fallback: T): Rule<T> {
  return { check: (v) => (v === undefined ? { ok: fallback } : rule.check(v)) };
}

/** Commander's argument parser for a repeatable flag: the values in order. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A repeatable flag: each value checked by `rule`; at least `min` values (`missing` says so). */
export function list<T>(rule: Rule<T>, min: number, missing: string): Rule<T[]> {
  return {
    check: (v) => {
      const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
      if (values.length < min) return { problem: missing };
      const out: T[] = [];
      for (const value of values) {
        const r = rule.check(value);
        if ("problem" in r) return r;
        out.push(r.ok);
      }
      return { ok: out };
    },
  };
}
