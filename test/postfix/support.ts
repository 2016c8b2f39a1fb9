/** Shared inputs for the postfix-config tests: fixtures, templates and a plan with every part. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PostfixOptionsSchema, type Part, type PostfixOptions } from "../../src/postfix/options.js";
import { buildPlan, TEMPLATE_FILES, type Plan, type Templates } from "../../src/postfix/plan.js";
import { REPO_ROOT } from "../helpers/shared.js";

/** A fixture file's text. */
export function fixture(name: string): string {
  return readFileSync(join(REPO_ROOT, "test", "fixtures", "postfix", name), "utf8");
}

/** The committed templates. */
export function templates(): Templates {
  return Object.fromEntries(
    TEMPLATE_FILES.map((f) => [f, readFileSync(join(REPO_ROOT, "templates", f), "utf8")]),
  ) as unknown as Templates;
}

/** Options parsed from flag-like input, with the defaults filled in. */
export function options(raw: Record<string, unknown> = {}): PostfixOptions {
  return PostfixOptionsSchema.parse({
    domain: ["my.domain"],
    gateway: "gw.my.domain",
    debugPeer: ["127.0.0.1"],
    ...raw,
  });
}

/** A plan with the given parts (all by default) for /etc/postfix. */
export function plan(
  parts: Part[] = ["inbound", "outbound", "pickup", "transport", "debug"],
  raw = {},
): Plan {
  return buildPlan(options(raw), parts, templates(), "/etc/postfix");
}

/** Whether every line of `a` appears in `b`, in order (b may have more lines between them). */
export function isSubsequence(a: readonly string[], b: readonly string[]): boolean {
  let j = 0;
  for (const line of a) {
    while (j < b.length && b[j] !== line) j++;
    if (j === b.length) return false;
    j++;
  }
  return true;
}
