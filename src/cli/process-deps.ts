import type { CliDeps } from "./deps.js";

/** The real CliDeps, built from `process`. Only `bin/spfdk` (through this function) touches `process`. */
export function processDeps(): CliDeps {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    writeOut: (chunk) =>
      new Promise((resolve, reject) => {
        process.stdout.write(chunk, (err) => (err ? reject(err) : resolve()));
      }),
    stderr: (text) => {
      process.stderr.write(text);
    },
    stdin: () => process.stdin,
    env: process.env,
    cwd: process.cwd(),
    isTTY: { stdin: Boolean(process.stdin.isTTY), stdout: Boolean(process.stdout.isTTY) },
    now: () => new Date(),
    onStopSignal: (stop) => {
      const handler = (signal: NodeJS.Signals) => stop(signal);
      process.once("SIGTERM", handler);
      process.once("SIGINT", handler);
      return () => {
        process.off("SIGTERM", handler);
        process.off("SIGINT", handler);
      };
    },
  };
}
