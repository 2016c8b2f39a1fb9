/**
 * `spfdk filter` throughput: the filter runs as its own process (as in production), SMTP clients
 * send 2 KB messages to it over several connections, and the next hop takes them and throws them
 * away. Printed next to the library's own rate on the same messages, so the figure shows what the
 * SMTP proxying costs. No target: informational (docs/filter.md).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publicKeyRecordValue } from "../src/dkim/keygen.js";
import { signMessage } from "../src/dkim/sign-message.js";
import { connectNextHop } from "../src/filter/next-hop.js";
import { dotStuff } from "../src/filter/smtp-io.js";
import { fmt, KEY_FILE, ROOT, signRequest } from "./support.js";

const CONNECTIONS = 8;
const PER_CONNECTION = 250;

function message(i: number): Buffer {
  const head =
    `From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Report ${i}\r\n` +
    `Date: Wed, 25 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${i}@example.com>\r\n\r\n`;
  const line = `Line of text number ${i} with  some   spaces and words to fill the message body up.\r\n`;
  return Buffer.from(head + line.repeat(22));
}

/** A next hop that accepts everything and keeps nothing. */
async function discardingNextHop(): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => {
    sock.write("220 discard ESMTP\r\n");
    let inData = false;
    let tail = "";
    sock.on("data", (d: Buffer) => {
      let text = tail + d.toString("latin1");
      for (;;) {
        if (inData) {
          const end = text.indexOf("\r\n.\r\n");
          if (end < 0) {
            tail = text.slice(-4);
            return;
          }
          text = text.slice(end + 5);
          inData = false;
          sock.write("250 2.0.0 Ok: discarded\r\n");
          continue;
        }
        const nl = text.indexOf("\r\n");
        if (nl < 0) {
          tail = text;
          return;
        }
        const verb = text.slice(0, 4).toUpperCase();
        text = text.slice(nl + 2);
        if (verb === "EHLO") sock.write("250-discard\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        else if (verb === "DATA") {
          inData = true;
          text = `\r\n${text}`; // the data starts at a line start
          sock.write("354 go\r\n");
        } else if (verb === "QUIT") sock.end("221 bye\r\n");
        else sock.write("250 2.0.0 Ok\r\n");
      }
    });
    sock.on("error", () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

async function startFilter(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin", "spfdk"), "filter", ...args, "--listen", "127.0.0.1:0"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let log = "";
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 300; i++) {
    const m = / on 127\.0\.0\.1:(\d+)/.exec(log);
    if (m) return { child, port: Number(m[1]) };
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill();
  throw new Error(`filter did not start: ${log}`);
}

/** Messages per second through the filter on `port`: CONNECTIONS sessions sending in parallel. */
async function throughput(port: number, messages: Buffer[]): Promise<number> {
  const stuffed = messages.map((m) => dotStuff(m));
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      const s = await connectNextHop({ host: "127.0.0.1", port }, "bench.test", 30000);
      if ("refused" in s) throw new Error(`refused: ${JSON.stringify(s.refused)}`);
      for (let i = 0; i < PER_CONNECTION; i++) {
        await s.hop.command("MAIL FROM:<alice@example.com>");
        await s.hop.command("RCPT TO:<bob@example.net>");
        const r = await s.hop.data(stuffed[(c * PER_CONNECTION + i) % stuffed.length]!);
        if (r.code !== 250) throw new Error(`reply ${r.code} ${r.lines.join(" ")}`);
      }
      await s.hop.quit();
    }),
  );
  return (CONNECTIONS * PER_CONNECTION * 1000) / (performance.now() - t0);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "spfdk-bench-filter-"));
  const next = await discardingNextHop();
  const children: ChildProcess[] = [];
  try {
    const req = signRequest(Math.floor(Date.now() / 1000));
    const p = publicKeyRecordValue(createPublicKey(req.privateKey));
    writeFileSync(
      join(dir, "zone"),
      `$TTL 300\nrsa._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=${p}"\n`,
    );
    const plain = Array.from({ length: 500 }, (_, i) => message(i));
    const signed: Buffer[] = [];
    for (const m of plain) {
      const r = await signMessage([m], [req]);
      if (r.kind !== "ok") throw new Error("sign failed");
      signed.push(Buffer.concat([Buffer.from(`${r.fields[0]}\r\n`, "latin1"), m]));
    }
    const nextAt = `127.0.0.1:${next.port}`;
    const verifier = await startFilter([
      "--verify",
      "--zone",
      join(dir, "zone"),
      "--no-spf",
      "--next",
      nextAt,
    ]);
    children.push(verifier.child);
    await throughput(verifier.port, signed.slice(0, 50)); // warm-up
    const v = await throughput(verifier.port, signed);
    const signer = await startFilter([
      "--sign",
      "--domain",
      "example.com",
      "--selector",
      "rsa",
      "--key",
      KEY_FILE,
      "--next",
      nextAt,
    ]);
    children.push(signer.child);
    await throughput(signer.port, plain.slice(0, 50));
    const s = await throughput(signer.port, plain);
    console.log(
      `(${CONNECTIONS} connections x ${PER_CONNECTION} messages of about 2 KB; the next hop discards them)`,
    );
    console.log(
      `spfdk filter --verify: ${fmt(v, 0)} msg/s (DKIM rsa-sha256 verified, Authentication-Results added)`,
    );
    console.log(`spfdk filter --sign:   ${fmt(s, 0)} msg/s (rsa-sha256 relaxed/relaxed signature added)`);
  } finally {
    for (const c of children) c.kill("SIGTERM");
    next.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
