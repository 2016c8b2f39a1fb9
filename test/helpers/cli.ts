import { Readable } from "node:stream";
import type { CliDeps } from "../../src/cli/deps.js";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Bytes written through writeOut (signed messages). */
  out: Buffer;
}

/** Runs the real CLI parser in-process with fake deps and captures its output and exit code. */
export async function runCli(
  argv: string[],
  overrides: Partial<CliDeps> & { input?: string | Buffer } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const chunks: Buffer[] = [];
  const { input, ...rest } = overrides;
  const deps: CliDeps = {
    stdout: (t) => {
      stdout += t;
    },
    writeOut: async (c) => {
      chunks.push(Buffer.from(c));
    },
    stderr: (t) => {
      stderr += t;
    },
    stdin: () => Readable.from(input === undefined ? [] : [Buffer.from(input)]),
    env: {},
    cwd: process.cwd(),
    isTTY: { stdin: false, stdout: false },
    now: () => new Date("2026-11-25T12:00:00Z"),
    ...rest,
  };
  const code = await main(argv, deps);
  return { code, stdout, stderr, out: Buffer.concat(chunks) };
}
