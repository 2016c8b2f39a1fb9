/**
 * The filter daemon end to end on loopback (src/filter): a client speaks SMTP to the filter, the
 * filter verifies or signs and passes the message to a next hop that keeps it. Checked: what the
 * next hop receives (signature that verifies, Authentication-Results with DKIM and SPF, forged
 * fields removed, dot-stuffed lines intact), that the next hop's replies reach the client word for
 * word (RCPT refusals, the final reply), and the failures (next hop down, message too big).
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { signMessage } from "../../src/dkim/sign-message.js";
import { verifyMessage } from "../../src/dkim/verify-message.js";
import { staticResolver } from "../../src/dns/static-resolver.js";
import { connectNextHop, type NextHop } from "../../src/filter/next-hop.js";
import { signHandler } from "../../src/filter/sign-handler.js";
import { dotStuff, dotUnstuff, type Reply } from "../../src/filter/smtp-io.js";
import {
  eventText,
  startFilterServer,
  type FilterServer,
  type FilterServerOptions,
} from "../../src/filter/smtp-server.js";
import { verifyHandler } from "../../src/filter/verify-handler.js";
import { fixtureZone, rsaSignRequest } from "../dkim/fixtures.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";

const NOW = new Date("2026-11-25T12:00:00Z");
const zone = fixtureZone({
  "example.com": { TXT: ["v=spf1 ip4:192.0.2.10 -all"] },
  "mx.example.net": { A: ["192.0.2.99"] },
});
const resolver = staticResolver(zone);

const MESSAGE =
  "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: filter test\r\n" +
  "Authentication-Results: mx.test; dkim=pass (forged)\r\n" +
  "Authentication-Results: other.example; spf=pass\r\n\r\n" +
  "Body  line\r\n.a line that starts with a dot\r\n..two dots\r\n.\r\n";

const rsaRequest = () => rsaSignRequest();

let sink: SmtpSink;
const logs: string[] = [];
const servers: FilterServer[] = [];

beforeAll(async () => {
  sink = await startSmtpSink(0, null);
});
afterAll(async () => {
  for (const s of servers) await s.close(100);
  await sink.close();
});

async function filter(
  o: Partial<FilterServerOptions> & Pick<FilterServerOptions, "handle">,
): Promise<FilterServer> {
  const s = await startFilterServer({
    listen: { host: "127.0.0.1", port: 0 },
    next: { host: "127.0.0.1", port: sink.port },
    hostname: "mx.test",
    maxSize: 1 << 20,
    timeoutMs: 10000,
    log: (e) => logs.push(eventText(e)),
    ...o,
  });
  servers.push(s);
  return s;
}

/** A client session with the filter (the filter's own next-hop client, pointed at the filter). */
async function client(s: FilterServer): Promise<NextHop> {
  const c = await connectNextHop(s.address, "client.test", 10000);
  if ("refused" in c) throw new Error(`refused: ${JSON.stringify(c.refused)}`);
  return c.hop;
}

/** Sends one message; returns every reply in order. */
async function send(
  s: FilterServer,
  message: string | Buffer,
  o: { from?: string; to?: string[]; xforward?: string } = {},
): Promise<Reply[]> {
  const c = await client(s);
  const replies: Reply[] = [];
  if (o.xforward) replies.push(await c.command(`XFORWARD ${o.xforward}`));
  replies.push(await c.command(`MAIL FROM:<${o.from ?? "alice@example.com"}>`));
  for (const t of o.to ?? ["bob@example.net"]) replies.push(await c.command(`RCPT TO:<${t}>`));
  replies.push(
    await c.data(dotStuff(typeof message === "string" ? Buffer.from(message, "latin1") : message)),
  );
  await c.quit();
  return replies;
}

/** What the next hop kept last, without the sink's own first line, unstuffed. */
function lastKept(): Buffer {
  const data = sink.messages[sink.messages.length - 1]!.data.replace(/^X-Spfdk-Sink: passed\r\n/, "");
  return dotUnstuff(Buffer.from(data, "latin1"));
}

describe("spfdk filter --sign", () => {
  it("signs mail from the signing domain; the next hop's reply comes back word for word", async () => {
    const s = await filter({
      handle: signHandler({ domains: [{ domain: "example.com", requests: [rsaRequest()] }], now: () => NOW }),
    });
    const replies = await send(s, MESSAGE);
    expect(replies.at(-1)).toEqual({ code: 250, lines: ["2.0.0 Ok: kept by the sink"] });
    const kept = lastKept();
    expect(kept.toString("latin1")).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;[^]*t=1795608000;/);
    expect(kept.toString("latin1")).toContain("\r\n.a line that starts with a dot\r\n..two dots\r\n.\r\n");
    const v = await verifyMessage([kept], { resolver, legacy: false, now: NOW });
    expect(v.kind === "ok" && v.dkim.map((d) => d.result)).toEqual(["pass"]);
    expect(logs.at(-1)).toMatch(
      /from=<alice@example.com> rcpts=1 signed d=example.com s=rsa -> 250 2.0.0 Ok/,
    );
  });

  it("passes mail from other domains unsigned and says why", async () => {
    const s = await filter({
      handle: signHandler({ domains: [{ domain: "example.org", requests: [rsaRequest()] }], now: () => NOW }),
    });
    await send(s, MESSAGE);
    expect(lastKept().toString("latin1")).toBe(MESSAGE);
    expect(logs.at(-1)).toMatch(/not signed: From: domain example.com is not example.org/);
  });
});

describe("spfdk filter --verify", () => {
  const handle = verifyHandler({
    resolver,
    authservId: "mx.test",
    legacy: false,
    spf: true,
    now: () => NOW,
    keyCache: new Map(),
    relaxedKernel: null,
  });

  it("adds Authentication-Results (SPF for the XFORWARD client, DKIM) and removes forged ones", async () => {
    const signed = await signMessage(
      [Buffer.from(MESSAGE, "latin1")],
      [{ ...rsaRequest(), timestamp: 1795608000 }],
    );
    if (signed.kind !== "ok") throw new Error("sign failed");
    const message = `${signed.fields[0]}\r\n${MESSAGE}`;
    const s = await filter({ handle });
    const replies = await send(s, message, {
      xforward: "NAME=mx.example.net ADDR=192.0.2.10 HELO=mx.example.net",
    });
    expect(replies.map((r) => r.code)).toEqual([250, 250, 250, 250]);
    const kept = lastKept().toString("latin1");
    expect(kept).toMatch(
      /^Authentication-Results: mx\.test;\r\n\tspf=pass smtp\.mailfrom=alice@example\.com;\r\n\tdkim=pass header\.d=example\.com /,
    );
    expect(kept).not.toContain("dkim=pass (forged)");
    expect(kept).toContain("Authentication-Results: other.example; spf=pass\r\n");
    expect(logs.at(-1)).toMatch(/client=192\.0\.2\.10 spf=pass dkim=pass d=example\.com removed 1 forged/);
  });

  it("reports a failing SPF and an unsigned message without rejecting it", async () => {
    const s = await filter({ handle });
    await send(s, "From: x@example.com\r\n\r\nhi\r\n", {
      xforward: "ADDR=IPV6:2001:db8::1 HELO=[UNAVAILABLE]",
    });
    expect(lastKept().toString("latin1")).toMatch(
      /^Authentication-Results: mx\.test;\r\n\tspf=fail smtp\.mailfrom=alice@example\.com;\r\n\tdkim=none\r\nFrom:/,
    );
  });
});

describe("the SMTP side", () => {
  const passThrough: FilterServerOptions["handle"] = async (message) => ({
    kind: "relay",
    message,
    note: "as is",
  });

  it("answers commands out of order and unknown ones with the usual errors", async () => {
    const s = await filter({ handle: passThrough });
    const { createConnection } = await import("node:net");
    const sock = createConnection(s.address);
    let got = "";
    sock.on("data", (d) => (got += d.toString()));
    sock.write(
      [
        "MAIL FROM:<a@x.test>", // before EHLO
        "EHLO",
        "EHLO c.test",
        "RCPT TO:<b@y.test>", // before MAIL
        "DATA",
        "MAIL FROM:a@x.test", // no angle brackets
        "MAIL FROM:<a@x.test>",
        "MAIL FROM:<a@x.test>", // nested
        "XFORWARD ADDR=192.0.2.1", // inside a transaction
        "RCPT TO:b@y.test",
        "VRFY root",
        "TURN",
        "X".repeat(5000),
        "RSET",
        "NOOP",
        "QUIT",
        "",
      ].join("\r\n"),
    );
    await new Promise((res) => sock.on("close", res));
    const replies = got.split("\r\n").filter((l) => /^\d{3} /.test(l));
    expect(replies.map((l) => l.slice(0, 9))).toEqual([
      "220 mx.te",
      "503 5.5.1",
      "501 5.5.4",
      "250 XFORW", // the last line of the EHLO reply
      "503 5.5.1",
      "503 5.5.1",
      "501 5.5.4",
      "250 2.1.0", // the next hop's reply to MAIL
      "503 5.5.1",
      "503 5.5.1",
      "501 5.5.4",
      "502 5.5.1",
      "502 5.5.2",
      "500 5.5.2",
      "250 2.0.0",
      "250 2.0.0",
      "221 2.0.0",
    ]);
  });

  it("passes a message it cannot read on unchanged, and says why", async () => {
    const s = await filter({
      handle: verifyHandler({
        resolver,
        authservId: "mx.test",
        legacy: false,
        spf: false,
        now: () => NOW,
        keyCache: new Map(),
        relaxedKernel: null,
      }),
    });
    const junk = "no header here\r\njust text\r\n";
    expect((await send(s, junk)).at(-1)?.code).toBe(250);
    expect(lastKept().toString("latin1")).toBe(junk);
    expect(logs.at(-1)).toMatch(/not verified \(header line \d is not a "Name: value" field/);
    const signer = await filter({
      handle: signHandler({ domains: [{ domain: "example.com", requests: [rsaRequest()] }], now: () => NOW }),
    });
    await send(signer, "Subject: no from\r\n\r\nx\r\n");
    expect(lastKept().toString("latin1")).toBe("Subject: no from\r\n\r\nx\r\n");
    expect(logs.at(-1)).toMatch(/not signed: no From: address/);
  });

  it("answers pipelined commands in order", async () => {
    const s = await filter({ handle: passThrough });
    const c = await connectNextHop(s.address, "x", 5000);
    if ("refused" in c) throw new Error("refused");
    expect(c.hop.extensions.has("PIPELINING")).toBe(true);
    expect(c.hop.extensions.get("XFORWARD")).toBe("NAME ADDR PROTO HELO SOURCE PORT IDENT");
    const { createConnection } = await import("node:net");
    const sock = createConnection(s.address);
    let got = "";
    sock.on("data", (d) => (got += d.toString()));
    sock.write(
      "EHLO a\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nSubject: p\r\n\r\nbody\r\n.\r\nQUIT\r\n",
    );
    await new Promise((res) => sock.on("close", res));
    const codes = got
      .split("\r\n")
      .filter((l) => /^\d{3} /.test(l))
      .map((l) => l.slice(0, 3));
    expect(codes).toEqual(["220", "250", "250", "250", "354", "250", "221"]);
    await c.hop.quit();
  });

  it("relays a next hop's refusal of a recipient, and refuses DATA without recipients", async () => {
    const picky: Server = createServer((sock) => {
      sock.write("220 picky ESMTP\r\n");
      sock.on("data", (d) => {
        for (const l of d.toString().split("\r\n").filter(Boolean)) {
          if (/^EHLO/i.test(l)) sock.write("250-picky\r\n250 PIPELINING\r\n");
          else if (/^RCPT/i.test(l)) sock.write("550 5.1.1 <nobody@y.test>: Recipient address rejected\r\n");
          else if (/^QUIT/i.test(l)) sock.end("221 bye\r\n");
          else sock.write("250 2.0.0 Ok\r\n");
        }
      });
    });
    await new Promise<void>((res) => picky.listen(0, "127.0.0.1", () => res()));
    const port = (picky.address() as { port: number }).port;
    const s = await filter({ handle: passThrough, next: { host: "127.0.0.1", port } });
    const replies = await send(s, "Subject: x\r\n\r\nx\r\n", { to: ["nobody@y.test"] });
    expect(replies[1]).toEqual({ code: 550, lines: ["5.1.1 <nobody@y.test>: Recipient address rejected"] });
    expect(replies[2]).toEqual({ code: 554, lines: ["5.5.1 Error: no valid recipients"] });
    await new Promise((res) => picky.close(res));
  });

  it("passes DSN parameters to a next hop that offers DSN, and leaves them out for one that does not", async () => {
    const seen: string[][] = [[], []];
    const hops: Server[] = [];
    for (const [i, dsn] of [
      [0, true],
      [1, false],
    ] as const) {
      const hop = createServer((sock) => {
        sock.write("220 hop ESMTP\r\n");
        let inData = false;
        sock.on("data", (d) => {
          for (const l of d.toString().split("\r\n").filter(Boolean)) {
            if (inData) {
              if (l === ".") {
                inData = false;
                sock.write("250 2.0.0 Ok\r\n");
              }
              continue;
            }
            seen[i]!.push(l);
            if (/^EHLO/i.test(l)) sock.write(`250-hop\r\n${dsn ? "250-DSN\r\n" : ""}250 PIPELINING\r\n`);
            else if (/^DATA/i.test(l)) {
              inData = true;
              sock.write("354 go\r\n");
            } else if (/^QUIT/i.test(l)) sock.end("221 bye\r\n");
            else sock.write("250 2.0.0 Ok\r\n");
          }
        });
      });
      await new Promise<void>((res) => hop.listen(0, "127.0.0.1", () => res()));
      hops.push(hop);
      const s = await filter({
        handle: passThrough,
        next: { host: "127.0.0.1", port: (hop.address() as { port: number }).port },
      });
      const c = await client(s);
      expect(c.extensions.has("DSN")).toBe(true);
      expect((await c.command("MAIL FROM:<a@x.test> RET=HDRS ENVID=QQ314159 BODY=8BITMIME")).code).toBe(250);
      expect((await c.command("RCPT TO:<b@y.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@y.test")).code).toBe(
        250,
      );
      expect((await c.data(dotStuff(Buffer.from("Subject: dsn\r\n\r\nx\r\n")))).code).toBe(250);
      await c.quit();
    }
    expect(seen[0]).toEqual(
      expect.arrayContaining([
        "MAIL FROM:<a@x.test> RET=HDRS ENVID=QQ314159 BODY=8BITMIME",
        "RCPT TO:<b@y.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@y.test",
      ]),
    );
    expect(seen[1]).toEqual(
      expect.arrayContaining(["MAIL FROM:<a@x.test> BODY=8BITMIME", "RCPT TO:<b@y.test>"]),
    );
    for (const h of hops) await new Promise((res) => h.close(res));
  });

  it("opens a new next-hop connection when the next hop closed the old one between messages", async () => {
    let connections = 0;
    const curt = createServer((sock) => {
      connections++;
      sock.write("220 curt ESMTP\r\n");
      let inData = false;
      sock.on("data", (d) => {
        for (const l of d.toString().split("\r\n").filter(Boolean)) {
          if (inData) {
            if (l === ".") sock.end("250 2.0.0 Ok, and goodbye\r\n"); // closes after each message
            continue;
          }
          if (/^EHLO/i.test(l)) sock.write("250-curt\r\n250 PIPELINING\r\n");
          else if (/^DATA/i.test(l)) {
            inData = true;
            sock.write("354 go\r\n");
          } else sock.write("250 2.0.0 Ok\r\n");
        }
      });
      sock.on("error", () => undefined);
    });
    await new Promise<void>((res) => curt.listen(0, "127.0.0.1", () => res()));
    const s = await filter({
      handle: passThrough,
      next: { host: "127.0.0.1", port: (curt.address() as { port: number }).port },
    });
    const c = await client(s);
    for (let i = 0; i < 2; i++) {
      expect((await c.command("MAIL FROM:<a@x.test>")).code).toBe(250);
      expect((await c.command("RCPT TO:<b@y.test>")).code).toBe(250);
      expect(await c.data(dotStuff(Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`)))).toEqual({
        code: 250,
        lines: ["2.0.0 Ok, and goodbye"],
      });
      await new Promise((r) => setTimeout(r, 20)); // the close reaches the filter
    }
    expect(connections).toBe(2);
    await c.quit();
    await new Promise((res) => curt.close(res));
  });

  it("defers when the next hop is down, and refuses a message over the limit", async () => {
    const down = await filter({ handle: passThrough, next: { host: "127.0.0.1", port: 1 } });
    const c = await client(down);
    const r = await c.command("MAIL FROM:<a@x.test>");
    expect(r.code).toBe(451);
    expect(r.lines[0]).toMatch(/^4\.4\.1 spfdk filter: next hop 127\.0\.0\.1:1 unreachable/);
    await c.quit();
    const small = await filter({ handle: passThrough, maxSize: 2000 });
    const replies = await send(small, `Subject: big\r\n\r\n${"x".repeat(5000)}\r\n`);
    expect(replies.at(-1)?.code).toBe(552);
    const ok = await send(small, "Subject: small\r\n\r\nfine\r\n");
    expect(ok.at(-1)?.code).toBe(250);
  });

  it("on close, ends idle sessions with 421 and lets a message in progress finish first", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const s = await filter({
      handle: async (message) => {
        await held;
        return { kind: "relay", message, note: "late" };
      },
    });
    const idle = await client(s);
    const busy = await client(s);
    await busy.command("MAIL FROM:<a@x.test>");
    await busy.command("RCPT TO:<b@y.test>");
    const final = busy.data(dotStuff(Buffer.from("Subject: in flight\r\n\r\nx\r\n")));
    await new Promise((r) => setTimeout(r, 50)); // the message is with the handler now
    const closed = s.close(5000);
    expect(await idle.command("NOOP")).toEqual({ code: 421, lines: ["4.3.2 spfdk filter shutting down"] });
    release();
    expect((await final).code).toBe(250); // finished, and then the session ends
    expect(await busy.command("NOOP")).toEqual({ code: 421, lines: ["4.3.2 spfdk filter shutting down"] });
    await closed;
    await idle.quit();
    await busy.quit();
  });

  it("answers a handler failure with 451 and keeps the session usable", async () => {
    let n = 0;
    const s = await filter({
      handle: async (message) => {
        if (n++ === 0) throw new Error("boom");
        return { kind: "relay", message, note: "ok" };
      },
    });
    const c = await client(s);
    await c.command("MAIL FROM:<a@x.test>");
    await c.command("RCPT TO:<b@y.test>");
    const first = await c.data(dotStuff(Buffer.from("Subject: 1\r\n\r\n1\r\n")));
    expect(first.code).toBe(451);
    await c.command("MAIL FROM:<a@x.test>");
    await c.command("RCPT TO:<b@y.test>");
    expect((await c.data(dotStuff(Buffer.from("Subject: 2\r\n\r\n2\r\n")))).code).toBe(250);
    await c.quit();
    expect(logs.some((l) => /internal error: boom -> 451/.test(l))).toBe(true);
  });
});
