/**
 * A tiny pass-through SMTP filter for tests, standing in for spfdk's filters: it listens on
 * `listenPort`, accepts one transaction at a time per connection, adds an `X-Spfdk-Sink:` header
 * and re-injects the message on `forwardPort` (EHLO, MAIL, RCPT, DATA), answering the client's
 * final `.` with the downstream server's own reply, as a transparent filter must. It announces
 * XFORWARD (and ignores it) so that Postfix exercises that path too.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** One message the sink received. */
export interface SinkMessage {
  from: string;
  to: string[];
  data: string;
  /** The downstream reply that was relayed back. */
  reply: string;
}

/** A running sink. */
export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  /** Connections accepted so far. */
  connections: number;
  close: () => Promise<void>;
}

/** Reads SMTP replies (multi-line `250-...` ending with `250 ...`) from a socket. */
function replyReader(sock: Socket): () => Promise<string> {
  let buf = "";
  const waiting: ((s: string) => void)[] = [];
  const pump = () => {
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(buf);
      if (!m || waiting.length === 0) return;
      buf = buf.slice(m[0].length);
      waiting.shift()!(m[0].trim());
    }
  };
  sock.on("data", (d) => {
    buf += d.toString("latin1");
    pump();
  });
  return () =>
    new Promise((resolve) => {
      waiting.push(resolve);
      pump();
    });
}

/** Sends one message to 127.0.0.1:port and returns the final reply (or the first failure). */
export async function sendSmtp(
  port: number,
  from: string,
  to: string[],
  dotStuffedData: string,
): Promise<string> {
  const sock = createConnection({ host: "127.0.0.1", port });
  sock.setTimeout(15000, () => sock.destroy(new Error("SMTP timeout")));
  const failed = new Promise<never>((_, reject) => sock.on("error", reject));
  const read = replyReader(sock);
  const step = async (line: string | null, want: RegExp) => {
    if (line !== null) sock.write(`${line}\r\n`);
    const r = await Promise.race([read(), failed]);
    if (!want.test(r)) throw new Error(`${line ?? "banner"} -> ${r}`);
    return r;
  };
  try {
    await step(null, /^220/);
    await step("EHLO sink.test", /^250/);
    await step(`MAIL FROM:<${from}>`, /^250/);
    for (const t of to) await step(`RCPT TO:<${t}>`, /^25/);
    await step("DATA", /^354/);
    sock.write(dotStuffedData.endsWith("\r\n") ? dotStuffedData : `${dotStuffedData}\r\n`);
    const final = await step(".", /^[245]/);
    sock.write("QUIT\r\n");
    return final;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    sock.end();
  }
}

function serve(sock: Socket, forwardPort: number | null, sink: SmtpSink) {
  let buf = "";
  let inData = false;
  let from = "";
  let to: string[] = [];
  const say = (s: string) => sock.write(`${s}\r\n`);
  say("220 sink.test ESMTP spfdk test sink");
  sock.on("data", async (d) => {
    buf += d.toString("latin1");
    for (;;) {
      if (inData) {
        const end = buf.indexOf("\r\n.\r\n");
        const data = buf.startsWith(".\r\n") ? "" : end >= 0 ? buf.slice(0, end + 2) : null;
        if (data === null) return;
        buf = buf.slice(data === "" ? 3 : end + 5);
        inData = false;
        sock.pause();
        const message = `X-Spfdk-Sink: passed\r\n${data}`;
        const reply =
          forwardPort === null
            ? "250 2.0.0 Ok: kept by the sink"
            : await sendSmtp(forwardPort, from, to, message);
        sink.messages.push({ from, to, data: message, reply });
        say(reply.startsWith("error:") ? "451 4.3.0 sink: downstream failed" : reply.split(/\r?\n/).pop()!);
        sock.resume();
        continue;
      }
      const nl = buf.indexOf("\r\n");
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO")
        say("250-sink.test\r\n250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT\r\n250 8BITMIME");
      else if (verb === "HELO" || verb === "NOOP" || verb === "XFOR") say("250 2.0.0 Ok");
      else if (verb === "MAIL") [from, to] = [/<([^>]*)>/.exec(line)?.[1] ?? "", []];
      else if (verb === "RCPT") to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
      else if (verb === "RSET") [from, to] = ["", []];
      if (verb === "MAIL" || verb === "RCPT" || verb === "RSET") say("250 2.1.0 Ok");
      else if (verb === "DATA") {
        inData = true;
        say("354 End data with <CR><LF>.<CR><LF>");
      } else if (verb === "QUIT") {
        say("221 2.0.0 Bye");
        sock.end();
        return;
      } else if (!["EHLO", "HELO", "NOOP", "XFOR"].includes(verb))
        say("502 5.5.2 Error: command not recognized");
    }
  });
  sock.on("error", () => undefined);
}

/**
 * Starts a sink on 127.0.0.1:listenPort that re-injects to 127.0.0.1:forwardPort, or, with a null
 * forwardPort, keeps each message (a stand-in for a relay gateway).
 */
export async function startSmtpSink(listenPort: number, forwardPort: number | null): Promise<SmtpSink> {
  const server: Server = createServer();
  const sink: SmtpSink = {
    port: listenPort,
    messages: [],
    connections: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const sockets = new Set<Socket>();
  server.on("connection", (sock) => {
    sink.connections++;
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    serve(sock, forwardPort, sink);
  });
  const closeServer = sink.close;
  sink.close = async () => {
    for (const s of sockets) s.destroy();
    await closeServer();
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPort, "127.0.0.1", () => resolve());
  });
  const a = server.address();
  if (typeof a === "object" && a !== null) sink.port = a.port; // the real port when 0 was asked
  return sink;
}
