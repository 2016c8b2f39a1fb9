/**
 * SPF checks against a generated zone of ~200 domains served by the loopback dns2 server:
 * single checks (fresh resolver, per-check memo only), `check-spf --batch` (one shared TTL cache
 * and parse cache, 16 at once), DNS queries per check, pyspf on the same server when it is
 * installed, and libspf2's spfquery on the same zone and pairs (as root; see spfquery-peer.ts).
 * spfdk's server runs on a worker thread, as the peers' servers run beside their own processes.
 */
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { runBatch } from "../src/cli/spf-batch.js";
import { nodeResolver } from "../src/dns/node-resolver.js";
import type { Resolver } from "../src/dns/resolver.js";
import { staticResolver, type ZoneData } from "../src/dns/static-resolver.js";
import { checkSpf } from "../src/spf/identities.js";
import { startDnsServer } from "../test/helpers/dns-server.js";
import { startThreadedDnsServer } from "./dns-server-thread.js";
import { runSpfquery } from "./spfquery-peer.js";
import { fmt, haveCommand } from "./support.js";

const PAIRS = 2000;
const HELO = "mx.example.org";

/** A small deterministic PRNG (LCG) so every run benches the same zone. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** ~200 domains: 80 leaves (ip4/ip6 lists), 60 mids (includes, a, mx), 60 tops (3-deep chains, exists, redirect, voids). */
export function benchZone(): { zone: ZoneData; tops: string[]; ips: string[] } {
  const rnd = prng(7208);
  const zone: ZoneData = {};
  const ips: string[] = [];
  const leaf = (i: number) => `leaf${i}.bench.example`;
  const mid = (i: number) => `mid${i}.bench.example`;
  for (let i = 0; i < 80; i++) {
    const nets = Array.from({ length: 4 }, (_, k) => `ip4:10.${i}.${k * 16}.0/20`);
    ips.push(`10.${i}.${Math.floor(rnd() * 64)}.${1 + Math.floor(rnd() * 250)}`);
    zone[leaf(i)] = { TXT: [`v=spf1 ${nets.join(" ")} ip6:2001:db8:${i.toString(16)}::/48 -all`], ttl: 3600 };
  }
  for (let i = 0; i < 60; i++) {
    const a = Math.floor(rnd() * 80);
    const b = Math.floor(rnd() * 80);
    zone[mid(i)] = {
      TXT: [`v=spf1 include:${leaf(a)} include:${leaf(b)} a mx ~all`],
      A: [`172.16.${i}.1`],
      MX: [{ preference: 10, exchange: `mx.${mid(i)}` }],
      ttl: 3600,
    };
    zone[`mx.${mid(i)}`] = { A: [`172.17.${i}.1`], ttl: 3600 };
    ips.push(`172.17.${i}.1`);
  }
  const tops: string[] = [];
  for (let i = 0; i < 60; i++) {
    const name = `top${i}.bench.example`;
    tops.push(name);
    const m1 = Math.floor(rnd() * 60);
    const m2 = Math.floor(rnd() * 60);
    const kind = i % 4;
    const txt =
      kind === 0
        ? `v=spf1 ip4:192.0.2.${i}/32 include:${mid(m1)} include:${mid(m2)} -all`
        : kind === 1
          ? `v=spf1 exists:%{i}._ip.${name} include:${mid(m1)} redirect=${mid(m2)}`
          : kind === 2
            ? `v=spf1 a:gone.${name} include:${mid(m1)} mx:${name} ~all`
            : `v=spf1 redirect=${mid(m1)}`;
    zone[name] = { TXT: [txt], MX: [{ preference: 5, exchange: `mx.${mid(m2)}` }], ttl: 3600 };
  }
  return { zone, tops, ips };
}

function pairs(tops: string[], ips: string[]): { ip: string; sender: string }[] {
  const rnd = prng(4408);
  return Array.from({ length: PAIRS }, (_, i) => ({
    ip: rnd() < 0.7 ? ips[Math.floor(rnd() * ips.length)]! : `198.51.100.${Math.floor(rnd() * 250)}`,
    sender: `user${i}@${tops[Math.floor(rnd() * tops.length)]!}`,
  }));
}

function pyspf(port: number, input: { ip: string; sender: string }[]): Promise<number | null> {
  const script = `
import sys, time, json, dns.resolver, spf
r = dns.resolver.Resolver(configure=False); r.nameservers = ["127.0.0.1"]; r.port = ${port}
dns.resolver.default_resolver = r
pairs = [json.loads(l) for l in sys.stdin if l.strip()]
t0 = time.time()
for p in pairs: spf.check2(i=p["ip"], s=p["sender"], h="${HELO}")
print(len(pairs) / (time.time() - t0))`;
  // Asynchronous: the dns2 server runs in this process and must keep answering.
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/python3", ["-c", script], { stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    const timer = setTimeout(() => child.kill(), 20_000);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? Number(out.trim()) : null);
    });
    child.stdin.end(input.map((p) => JSON.stringify(p)).join("\n"));
  });
}

/** Runs spfquery over all pairs and prints its rate and how many results agree with `batchOut`. */
async function spfqueryLine(
  zone: ZoneData,
  input: { ip: string; sender: string }[],
  batchOut: string,
): Promise<void> {
  const label = "spfquery -file (libspf2, 1 process)".padEnd(36);
  const run = await runSpfquery(
    zone,
    input.map((p) => ({ ...p, helo: HELO })),
  );
  if (run.kind === "not-measured") {
    console.log(`spfquery (libspf2): not measured: ${run.reason}`);
    return;
  }
  type Line = { results?: { result: string; code?: string }[] };
  const ours = batchOut
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as Line).results?.[0]);
  const differ = new Map<string, number>();
  input.forEach((_, i) => {
    const o = ours[i];
    if (o?.result === run.results[i]) return;
    const key = `spfdk ${o ? [o.result, o.code].filter(Boolean).join(" ") : "error"} / spfquery ${run.results[i]}`;
    differ.set(key, (differ.get(key) ?? 0) + 1);
  });
  const same = input.length - [...differ.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${label} ${fmt(run.rate)} checks/s   ${fmt(run.queriesPerCheck, 2)} DNS queries/check   same result as --batch: ${same}/${input.length}`,
  );
  for (const [key, n] of [...differ].sort((a, b) => b[1] - a[1])) console.log(`  differs ${n}x: ${key}`);
  if ([...differ.keys()].some((k) => k.includes("LOOKUP_LIMIT"))) {
    console.log(
      "  (libspf2 restarts the RFC 7208 §4.6.4 lookup count inside each include: and never adds it to the parent's, so it goes past 10)",
    );
  }
}

/** Times one `check-spf --batch -` run over `lines` through `resolver`: checks/s, output, exit code. */
async function timeBatch(
  lines: string,
  resolver: Resolver,
): Promise<{ rate: number; out: string; code: number }> {
  let out = "";
  const ctx = {
    stdout: (text: string) => (out += text),
    stderr: () => undefined,
    stdin: () => Readable.from([Buffer.from(lines)]),
    env: {},
    cwd: process.cwd(),
    isTTY: { stdin: false, stdout: false },
    now: () => new Date(),
    setExitCode: () => undefined,
    color: () => false,
    trace: () => undefined,
  };
  const t0 = performance.now();
  // The same code path as `spfdk check-spf --batch - --dns SERVER` (main() needs package.json beside dist).
  const code = await runBatch(ctx, "-", {
    resolver,
    receiver: "bench",
    voidLimit: 2,
    dualStackVoids: false,
    timeBudgetMs: 20_000,
    now: ctx.now,
    scope: "mfrom",
    concurrency: 16,
  });
  const n = lines.split("\n").length;
  return { rate: (n * 1000) / (performance.now() - t0), out, code };
}

/** The batch figure as measured before the server had its own thread (it then shares the event loop). */
async function sameThreadLine(zone: ZoneData, lines: string): Promise<void> {
  const server = await startDnsServer(zone);
  try {
    const r = await timeBatch(lines, nodeResolver({ servers: [server.spec], timeoutMs: 2000, tries: 1 }));
    console.log(`  same, server on the measured thread ${fmt(r.rate)} checks/s`);
  } finally {
    await server.close();
  }
}

/** Prints checks/s single and batch, the ratio, DNS queries per check, and pyspf's figure. */
export async function run(): Promise<void> {
  const { zone, tops, ips } = benchZone();
  // On its own thread: serving DNS must not share the measured event loop (spfquery and pyspf
  // run in their own processes beside their server too).
  const server = await startThreadedDnsServer(zone);
  const input = pairs(tops, ips);
  try {
    console.log(
      `zone: ${Object.keys(zone).length} names; ${input.length} (ip, sender) pairs; server dns2 on ${server.spec}`,
    );
    let dupChecks = 0;
    const singleN = 400;
    let singleMs = 0;
    let seen = 0;
    for (const p of input.slice(0, singleN)) {
      const resolver = nodeResolver({ servers: [server.spec], timeoutMs: 2000, tries: 1 });
      const t0 = performance.now();
      await checkSpf({ ...p, helo: HELO, resolver });
      singleMs += performance.now() - t0;
      const asked = (await server.queries(seen)).map((q) => `${q.type} ${q.name.toLowerCase()}`);
      seen += asked.length;
      if (new Set(asked).size !== asked.length) dupChecks++;
    }
    const singleRate = (singleN * 1000) / singleMs;
    const singleQueries = seen / singleN;
    console.log(
      `single checks (fresh resolver each)  ${fmt(singleRate)} checks/s   ${fmt(singleQueries, 2)} DNS queries/check   checks that asked a name twice: ${dupChecks}`,
    );

    const lines = input.map((p) => JSON.stringify({ ...p, helo: HELO })).join("\n");
    const q0 = seen;
    const batch = await timeBatch(lines, nodeResolver({ servers: [server.spec], timeoutMs: 2000, tries: 1 }));
    const batchRate = batch.rate;
    const batchQueries = (await server.queries(q0)).length / input.length;
    const outLines = batch.out.trim().split("\n").length;
    console.log(
      `check-spf --batch (shared cache)     ${fmt(batchRate)} checks/s   ${fmt(batchQueries, 2)} DNS queries/check   exit ${batch.code}, ${outLines} lines`,
    );
    await sameThreadLine(zone, lines);
    const mem = await timeBatch(lines, staticResolver(zone));
    console.log(`check-spf --batch --zone (no DNS)    ${fmt(mem.rate)} checks/s   (evaluation alone)`);
    const ratio = batchRate / singleRate;
    console.log(
      `batch / single                       ${fmt(ratio)}x (target >= 5x: ${ratio >= 5 ? "met" : "NOT MET"})`,
    );
    console.log(
      `per-check memo: ${dupChecks === 0 ? "met" : "NOT MET"} (no name asked twice within one check in ${singleN} checks)`,
    );

    if (haveCommand(["/usr/bin/python3", "-c", "import spf, dns.resolver"])) {
      const rate = await pyspf(server.port, input.slice(0, singleN));
      console.log(
        rate === null
          ? "pyspf: failed to run"
          : `pyspf ${"(/usr/bin/python3, same server)".padEnd(30)} ${fmt(rate)} checks/s (single checks)`,
      );
    } else console.log("pyspf: not installed (apt install python3-spf)");
    await spfqueryLine(zone, input, batch.out);
  } finally {
    await server.close();
  }
}
