import { spawnSync } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareSignRequest, type DkimSignRequest } from "../src/dkim/sign-message.js";

/** The repository root (build/bench/bench -> three levels up). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Median wall time in ms of `runs` runs of a command (after one warm-up run). */
export function timeCommand(argv: string[], runs: number, opts: { input?: string } = {}): number {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(argv[0]!, argv.slice(1), { stdio: ["pipe", "ignore", "ignore"], input: opts.input, cwd: ROOT });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Rate (operations per second) of `fn` run for about `ms` milliseconds. */
export async function rate(fn: () => unknown | Promise<unknown>, ms = 1000): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

/** Whether a command exists and exits 0 for the given probe arguments. */
export function haveCommand(argv: string[]): boolean {
  return spawnSync(argv[0]!, argv.slice(1), { stdio: "ignore" }).status === 0;
}

/** Formats a number with `digits` decimals. */
export const fmt = (n: number, digits = 1): string => n.toFixed(digits);

/** The bench's signing key: the 2048-bit RSA test fixture. */
export const KEY_FILE = resolve(ROOT, "test", "fixtures", "dkim", "rsa2048.pem");

/** An rsa-sha256 relaxed/relaxed request with the fixture key, selector rsa, d=example.com. */
export function signRequest(timestamp: number): DkimSignRequest {
  return prepareSignRequest({
    domain: "example.com",
    selector: "rsa",
    privateKey: createPrivateKey(readFileSync(KEY_FILE)),
    algorithm: "rsa-sha256",
    headerCanon: "relaxed",
    bodyCanon: "relaxed",
    oversign: true,
    timestamp,
  });
}
