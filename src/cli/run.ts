import { main } from "./main.js";
import { processDeps } from "./process-deps.js";

/** Entry point used by bin/spfdk: runs main and sets the process exit code. */
export async function run(): Promise<void> {
  // A closed pipe (`spfdk … | head`) is not an error worth a stack trace: stop quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const code = await main(process.argv.slice(2), processDeps());
  process.exitCode = code;
}
