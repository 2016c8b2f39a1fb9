import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (two levels above test/helpers). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** ../shared beside the checkout: conformance data and notes. Absent in a user's fresh clone. */
export const SHARED_DIR = resolve(REPO_ROOT, "..", "shared");

/** Whether this run is CI (CI=true), where a missing peer or missing shared data is a failure. */
export const IN_CI = process.env.CI === "true" || process.env.CI === "1";

/**
 * The path of `rel` under ../shared/conformance, or null when it is missing. When missing, prints a
 * loud notice; under CI=true it throws instead, so the suite fails.
 */
export function conformancePath(rel: string): string | null {
  const p = join(SHARED_DIR, "conformance", rel);
  if (existsSync(p)) return p;
  const msg = `conformance data ${p} is missing (it lives in ../shared beside the checkout)`;
  if (IN_CI) throw new Error(`${msg}; CI=true requires it`);
  process.stderr.write(`\n*** SKIPPING: ${msg} ***\n\n`);
  return null;
}
