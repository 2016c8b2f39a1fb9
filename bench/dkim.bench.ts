import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
} from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publicKeyRecordValue } from "../src/dkim/keygen.js";
import { signMessage } from "../src/dkim/sign-message.js";
import { createRelaxedKernel } from "../src/dkim/relaxed-kernel.js";
import { verifyMessage } from "../src/dkim/verify-message.js";
import { staticResolver } from "../src/dns/static-resolver.js";
import { fmt, haveCommand, KEY_FILE, ROOT, signRequest } from "./support.js";

const N = 1000;

/** A ~2 KB message, a little different each time. */
function message(i: number): Buffer {
  const head =
    `From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Report ${i}\r\n` +
    `Date: Wed, 25 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${i}@example.com>\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = `Line of text number ${i} with  some   spaces and words to fill the message body up.\r\n`;
  return Buffer.from(head + line.repeat(Math.ceil((2048 - head.length) / line.length)));
}

/** "72.3 % (target >= 80 %: MISS)" for a ratio and a target in percent. */
function target(ratio: number, percent: number): string {
  return `${fmt(100 * ratio)} % (target >= ${percent} %: ${100 * ratio >= percent ? "PASS" : "MISS"})`;
}

async function perSecond(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return (n * 1000) / (performance.now() - t0);
}

/**
 * Rates of `lib` and `raw` measured in `rounds` alternating rounds, best round of each: other
 * load on the machine only ever slows a round down, so the best rounds compare like with like.
 */
async function interleaved(
  rounds: number,
  lib: (round: number) => Promise<number>,
  raw: () => Promise<number>,
): Promise<{ lib: number; raw: number }> {
  let best = { lib: 0, raw: 0 };
  for (let r = 0; r < rounds; r++) {
    const l = await lib(r);
    const w = await raw();
    best = { lib: Math.max(best.lib, l), raw: Math.max(best.raw, w) };
  }
  return best;
}

/** Library sign/verify of 1 000 ~2 KB messages next to raw node:crypto RSA-2048 sign/verify. */
async function messagesPerSecond(): Promise<void> {
  const req = signRequest(1795600000);
  const pub = createPublicKey(req.privateKey);
  const resolver = staticResolver({
    "rsa._domainkey.example.com": { TXT: [`v=DKIM1; k=rsa; p=${publicKeyRecordValue(pub)}`] },
  });
  const msgs = Array.from({ length: N }, (_, i) => message(i));
  const signed: Buffer[] = [];
  const now = new Date();
  // What a long-running verifier keeps: parsed keys and the relaxed body kernel.
  const keyCache = new Map();
  const relaxedKernel = createRelaxedKernel();
  // Warm-up (JIT), untimed: steady-state rates are what a long-running signer sees.
  for (let i = 0; i < N; i++) {
    const r = await signMessage([msgs[i]!], [req]);
    if (r.kind !== "ok") throw new Error("sign failed");
    signed.push(Buffer.concat([Buffer.from(`${r.fields[0]}\r\n`, "latin1"), msgs[i]!]));
    await verifyMessage([signed[i]!], { resolver, legacy: false, now, keyCache, relaxedKernel });
  }
  const data = msgs[0]!.subarray(0, 600);
  const sig = cryptoSign("sha256", data, req.privateKey);
  // Five rounds of 200 messages each (all 1 000 signed once), against 200 raw signatures.
  const ROUND = N / 5;
  const signing = await interleaved(
    5,
    (r) =>
      perSecond(ROUND, async (i) => {
        const res = await signMessage([msgs[r * ROUND + i]!], [req]);
        if (res.kind !== "ok") throw new Error("sign failed");
      }),
    () => perSecond(ROUND, () => cryptoSign("sha256", data, req.privateKey)),
  );
  // Five rounds verifying all 1 000 messages, against 1 000 raw verifications.
  const verifying = await interleaved(
    5,
    () =>
      perSecond(N, async (i) => {
        const r = await verifyMessage([signed[i]!], {
          resolver,
          legacy: false,
          now,
          keyCache,
          relaxedKernel,
        });
        if (r.kind !== "ok" || r.dkim[0]?.result !== "pass") throw new Error("verify failed");
      }),
    () => perSecond(N, () => cryptoVerify("sha256", data, pub, sig)),
  );
  console.log("(best of 5 interleaved rounds each)");
  console.log(`sign   ${N} x 2 KB (rsa-sha256, relaxed/relaxed): ${fmt(signing.lib, 0)} msg/s`);
  console.log(
    `  raw node:crypto RSA-2048 sign:                 ${fmt(signing.raw, 0)} /s  -> ${target(signing.lib / signing.raw, 80)}`,
  );
  console.log(`verify ${N} x 2 KB:                                ${fmt(verifying.lib, 0)} msg/s`);
  console.log(
    `  raw node:crypto RSA-2048 verify:               ${fmt(verifying.raw, 0)} /s  -> ${target(verifying.lib / verifying.raw, 60)}`,
  );
  peerRates(msgs.slice(0, 200), signed.slice(0, 200), publicKeyRecordValue(pub));
}

/** dkimpy and Mail::DKIM sign/verify rates on 200 of the same messages, one process each. */
function peerRates(msgs: Buffer[], signed: Buffer[], p: string): void {
  const dir = mkdtempSync(join(tmpdir(), "spfdk-bench-"));
  try {
    msgs.forEach((m, i) => writeFileSync(join(dir, `m${i}`), m));
    signed.forEach((m, i) => writeFileSync(join(dir, `s${i}`), m));
    const pkcs1 = join(dir, "key.pem");
    writeFileSync(pkcs1, createPrivateKey(readFileSync(KEY_FILE)).export({ type: "pkcs1", format: "pem" }));
    const n = msgs.length;
    if (haveCommand(["/usr/bin/python3", "-c", "import dkim"])) {
      const py = `
import dkim, sys, time
d, n, key, p = sys.argv[1], int(sys.argv[2]), open(sys.argv[3],'rb').read(), sys.argv[4].encode()
ms = [open('%s/m%d' % (d, i), 'rb').read() for i in range(n)]
ss = [open('%s/s%d' % (d, i), 'rb').read() for i in range(n)]
t = time.time()
for m in ms: dkim.sign(m, b'rsa', b'example.com', key, canonicalize=(b'relaxed', b'relaxed'))
a = n / (time.time() - t)
t = time.time()
for s in ss: assert dkim.verify(s, dnsfunc=lambda name, timeout=5: b'v=DKIM1; k=rsa; p=' + p)
print('%.0f %.0f' % (a, n / (time.time() - t)))`;
      const r = spawnSync("/usr/bin/python3", ["-c", py, dir, String(n), pkcs1, p], { encoding: "utf8" });
      const [s, v] = r.stdout.trim().split(" ");
      console.log(
        r.status === 0
          ? `dkimpy:     sign ${s} msg/s, verify ${v} msg/s (${n} messages)`
          : `dkimpy: failed ${r.stderr.slice(0, 200)}`,
      );
    }
    if (haveCommand(["perl", "-MMail::DKIM::Signer", "-e", "1"])) {
      const pl = `
use Mail::DKIM::Signer; use Mail::DKIM::Verifier; use Net::DNS; use Time::HiRes qw(time);
my ($d, $n, $key, $p) = @ARGV;
{ no warnings 'redefine'; *Mail::DKIM::DNS::query = sub { my $v = "v=DKIM1; k=rsa; p=$p";
  return (Net::DNS::RR->new(name => $_[0], type => 'TXT', txtdata => [ $v =~ /(.{1,255})/gs ])) }; }
sub slurp { open my $f, '<:raw', $_[0]; local $/; <$f> }
my @m = map { slurp("$d/m$_") } 0..$n-1; my @s = map { slurp("$d/s$_") } 0..$n-1;
my $t = time;
for (@m) { my $x = Mail::DKIM::Signer->new(Algorithm => 'rsa-sha256', Method => 'relaxed', Domain => 'example.com', Selector => 'rsa', KeyFile => $key); $x->PRINT($_); $x->CLOSE; }
my $a = $n / (time - $t); $t = time;
for (@s) { my $x = Mail::DKIM::Verifier->new; $x->PRINT($_); $x->CLOSE; die $x->result unless $x->result eq 'pass'; }
printf "%.0f %.0f\\n", $a, $n / (time - $t);`;
      const r = spawnSync("perl", ["-e", pl, dir, String(n), pkcs1, p], { encoding: "utf8" });
      const [s, v] = r.stdout.trim().split(" ");
      console.log(
        r.status === 0
          ? `Mail::DKIM: sign ${s} msg/s, verify ${v} msg/s (${n} messages)`
          : `Mail::DKIM: failed ${r.stderr.slice(0, 200)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One 100 MB message: library sign MB/s next to raw SHA-256 MB/s; `spfdk sign` wall time and peak RSS. */
async function bigMessage(): Promise<void> {
  const MB = 1024 * 1024;
  const size = 100;
  const head = message(0).subarray(0, message(0).indexOf("\r\n\r\n") + 4);
  const bodies = {
    "base64 attachment": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n",
    "plain text": "The quick brown fox jumps over the lazy dog, again and again, and again.\r\n",
    "text with tabs and double spaces":
      "The quick brown fox jumps over the  lazy dog,\tagain and  again.  \r\n",
  };
  const req = signRequest(1795600000);
  console.log("(best of 3 interleaved runs each)");
  let chunks: Buffer[] = [];
  for (const [kind, text] of Object.entries(bodies)) {
    const line = Buffer.from(text);
    const chunk = Buffer.alloc(MB);
    for (let i = 0; i < MB; i += line.length) line.copy(chunk, i);
    const these = [head, ...Array.from({ length: size }, () => chunk)];
    if (chunks.length === 0) chunks = these;
    for (const canon of ["relaxed", "simple"] as const) {
      const best = await interleaved(
        3,
        async () => {
          const t0 = performance.now();
          const r = await signMessage(these, [{ ...req, bodyCanon: canon }]);
          if (r.kind !== "ok") throw new Error("sign failed");
          return size / ((performance.now() - t0) / 1000);
        },
        async () => {
          const t1 = performance.now();
          const h = createHash("sha256");
          for (const c of these) h.update(c);
          h.digest();
          return size / ((performance.now() - t1) / 1000);
        },
      );
      const [signMBs, shaMBs] = [best.lib, best.raw];
      // The target is for ordinary text and attachments; text full of tabs and WSP runs is shown
      // for reference (every run is a change to make).
      const ratio = signMBs / shaMBs;
      console.log(
        `sign 100 MB ${kind}, ${canon} body: ${fmt(signMBs)} MB/s; raw SHA-256 ${fmt(shaMBs)} MB/s -> ` +
          (kind.includes("tabs") && canon === "relaxed"
            ? `${fmt(100 * ratio)} % (no target)`
            : target(ratio, 70)),
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "spfdk-bench-"));
  try {
    const file = join(dir, "big.eml");
    writeFileSync(file, Buffer.concat(chunks));
    const argv = [
      join(ROOT, "bin", "spfdk"),
      "sign",
      file,
      "--domain",
      "example.com",
      "--selector",
      "rsa",
      "--key",
      KEY_FILE,
      "--out",
      join(dir, "out.eml"),
    ];
    const t0 = performance.now();
    const r = haveCommand(["/usr/bin/time", "-f", "%M", "true"])
      ? spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, ...argv], { encoding: "utf8" })
      : spawnSync(process.execPath, argv, { encoding: "utf8" });
    const secs = (performance.now() - t0) / 1000;
    const rssKb = Number(r.stderr.trim().split("\n").pop());
    console.log(
      `spfdk sign 100 MB base64 file (CLI, relaxed/relaxed): ${fmt(size / secs)} MB/s wall (incl. start, two reads, write)` +
        (Number.isFinite(rssKb)
          ? `, peak RSS ${fmt(rssKb / 1024)} MB (target < 100 MB: ${rssKb / 1024 < 100 ? "PASS" : "MISS"})`
          : ""),
    );
    if (r.status !== 0) console.log(`  spfdk sign failed: ${r.stderr.slice(0, 300)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** DKIM sign/verify throughput (see docs/sign.md, docs/verify.md). */
export async function run(): Promise<void> {
  await messagesPerSecond();
  await bigMessage();
}
