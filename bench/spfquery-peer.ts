/**
 * libspf2's `spfquery` as a peer in the SPF bench. spfquery takes no DNS server option: libspf2
 * asks the system resolver (res_query, /etc/resolv.conf, port 53). So, as root, the bench serves
 * the zone with dns2 on a spare loopback address at port 53 and runs spfquery in a private mount
 * namespace (`unshare --mount`, private propagation by default) where /etc/resolv.conf is a bind
 * mount of a temp file naming only that address. The host's resolv.conf is never touched, and
 * spfquery only starts after the bind mount is checked, so nothing goes to the real resolver.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ZoneData } from "../src/dns/static-resolver.js";
import { startDnsServer } from "../test/helpers/dns-server.js";

/** A 127.x address that nothing else on the machine is expected to use. */
const ADDRESS = "127.0.0.9";
/** spfquery is killed after this long; the bench must stay well under a minute. */
const TIMEOUT_MS = 20_000;

/** One run: checks/s, DNS queries per check and the result of each query, in input order. */
export type SpfqueryRun =
  | { kind: "measured"; rate: number; queriesPerCheck: number; results: string[] }
  | { kind: "not-measured"; reason: string };

/** Why spfquery cannot be run here, or null when it can. */
function missingPrerequisite(): string | null {
  if (spawnSync("sh", ["-c", "command -v spfquery"], { stdio: "ignore" }).status !== 0) {
    return "spfquery is not installed (apt install spfquery)";
  }
  if (process.getuid?.() !== 0) {
    return "needs root (a DNS server on port 53 and a private mount namespace for /etc/resolv.conf)";
  }
  const probe = spawnSync("unshare", ["--mount", "sh", "-c", "exit 0"], { encoding: "utf8" });
  if (probe.status !== 0) {
    const why = probe.error?.message ?? probe.stderr.trim().split("\n")[0] ?? `exit ${probe.status}`;
    return `unshare --mount failed: ${why}`;
  }
  return null;
}

/**
 * spfquery -file output, one block per query: any StartError … EndError blocks, then four lines
 * (result, SMTP explanation, header comment, Received-SPF). libspf2 prints "(invalid)" for a record
 * it cannot compile, which is a permerror (RFC 7208 §4.6).
 */
export function parseSpfqueryOutput(text: string): string[] {
  const lines = text.split("\n");
  const results: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "StartError") {
      while (i < lines.length && lines[i] !== "EndError") i++;
    } else if (line !== "") {
      results.push(line === "(invalid)" ? "permerror" : line);
      i += 3;
    }
  }
  return results;
}

function runChild(
  argv: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; timedOut: boolean }> {
  // Asynchronous: the dns2 server runs in this process and must keep answering.
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0, timedOut });
    });
  });
}

/**
 * Runs every (ip, sender, helo) query through one `spfquery -file` process against `zone` and
 * returns its rate (wall time of the process, start-up included) or why it was not measured.
 */
export async function runSpfquery(
  zone: ZoneData,
  input: { ip: string; sender: string; helo: string }[],
): Promise<SpfqueryRun> {
  const missing = missingPrerequisite();
  if (missing) return { kind: "not-measured", reason: missing };
  let server;
  try {
    server = await startDnsServer(zone, { address: ADDRESS, port: 53 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { kind: "not-measured", reason: `cannot serve DNS on ${ADDRESS}:53 (${code})` };
  }
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), "spfdk-bench-spfquery-"));
    const resolvConf = join(dir, "resolv.conf");
    const queries = join(dir, "queries.txt");
    writeFileSync(resolvConf, `nameserver ${ADDRESS}\noptions timeout:2 attempts:1\n`);
    writeFileSync(queries, input.map((p) => `${p.ip} ${p.sender} ${p.helo}\n`).join(""));
    const script =
      'mount --bind "$1" /etc/resolv.conf && grep -qx "nameserver $3" /etc/resolv.conf && exec spfquery -file "$2"';
    const run = await runChild(
      ["unshare", "--mount", "sh", "-c", script, "sh", resolvConf, queries, ADDRESS],
      TIMEOUT_MS,
    );
    if (run.timedOut) {
      return { kind: "not-measured", reason: `spfquery did not finish in ${TIMEOUT_MS / 1000} s` };
    }
    const results = parseSpfqueryOutput(run.stdout);
    if (results.length !== input.length) {
      const why = run.stderr.trim().split("\n")[0] || `exit ${run.code}`;
      return {
        kind: "not-measured",
        reason: `spfquery answered ${results.length} of ${input.length} queries (${why})`,
      };
    }
    return {
      kind: "measured",
      rate: (input.length * 1000) / run.ms,
      queriesPerCheck: server.queries.length / input.length,
      results,
    };
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
}
