import { Chalk } from "chalk";

/** Colours for human output; every function is the identity when colour is off. */
export interface Style {
  ok: (s: string) => string;
  bad: (s: string) => string;
  warn: (s: string) => string;
  heading: (s: string) => string;
  dim: (s: string) => string;
}

/** A Style with colour on or off (decided by CommandContext.color()). */
export function makeStyle(color: boolean): Style {
  const c = new Chalk({ level: color ? 1 : 0 });
  return { ok: c.green, bad: c.red, warn: c.yellow, heading: c.bold, dim: c.dim };
}
