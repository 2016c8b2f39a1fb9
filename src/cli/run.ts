import { main } from "./main.js";
import { processDeps } from "./process-deps.js";

/** Entry point used by bin/spfdk: runs main and sets the process exit code. */
export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2), processDeps());
  process.exitCode = code;
}
