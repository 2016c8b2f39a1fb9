import { ExitCode } from "./exit-codes.js";
import { describeFsError } from "./files.js";
import { main } from "./main.js";
import { processDeps } from "./process-deps.js";

/** Entry point used by bin/spfdk: runs main and sets the process exit code. */
export async function run(): Promise<void> {
  // A closed pipe (`spfdk … | head`) is not an error worth a stack trace: stop quietly. Any other
  // output error (a full disk, /dev/full) is one line and exit 2, like every I/O problem.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    process.stderr.write(`spfdk: cannot write to standard output: ${describeFsError(err)}\n`);
    process.exit(ExitCode.Usage);
  });
  process.stderr.on("error", () => process.exit(process.exitCode ?? ExitCode.Usage));
  const code = await main(process.argv.slice(2), processDeps());
  process.exitCode = code;
}
