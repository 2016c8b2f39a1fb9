import { spawnSync } from "node:child_process";
import { IN_CI } from "./shared.js";

/**
 * Whether an interop peer is available: `probe` is a command (argv) that exits 0 when it is. When it
 * is missing, prints a loud notice and returns false locally; under CI=true it throws, so the
 * suite fails (CI installs every peer through .ci/run).
 */
export function peerAvailable(name: string, probe: string[], installHint: string): boolean {
  const r = spawnSync(probe[0]!, probe.slice(1), { stdio: "ignore", timeout: 20000 });
  if (r.status === 0) return true;
  const msg = `interop peer ${name} is not installed (${installHint})`;
  if (IN_CI) throw new Error(`${msg}; CI=true requires it`);
  process.stderr.write(`\n*** SKIPPING interop with ${name}: ${msg} ***\n\n`);
  return false;
}
