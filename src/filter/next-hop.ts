/**
 * The filter's SMTP client to the next hop (Postfix's after-filter or return smtpd): one connection
 * per client session, opened at the first MAIL. Commands go one at a time and their replies come
 * back as they are, so the filter can relay them to Postfix word for word.
 */
import { createConnection, type Socket } from "node:net";
import { reply, SmtpReader, type Reply } from "./smtp-io.js";

/** Where the next hop listens. */
export interface HostPort {
  host: string;
  port: number;
}

/** An open next-hop connection after its greeting and EHLO. */
export interface NextHop {
  /** EHLO keywords the next hop announced, upper-case ("XFORWARD", "8BITMIME", ...). */
  extensions: Map<string, string>;
  /** Sends one command line and returns the reply (a 421-like reply when the connection failed). */
  command(line: string): Promise<Reply>;
  /** Sends DATA, then the dot-stuffed message; returns the final reply (or the DATA refusal). */
  data(stuffed: Buffer): Promise<Reply>;
  /** QUIT and close (never throws). */
  quit(): Promise<void>;
  /** Whether the connection is still open (a next hop may close it between transactions). */
  alive(): boolean;
}

const LOST = (what: string) => reply(451, `4.4.2 spfdk filter: next hop ${what}`);

/**
 * Connects to the next hop, reads its greeting and says EHLO `name`. Returns the connection, or
 * the reply to give the client instead (451 when the next hop cannot be reached or refuses).
 */
export async function connectNextHop(
  to: HostPort,
  name: string,
  timeoutMs: number,
): Promise<{ hop: NextHop } | { refused: Reply }> {
  let sock: Socket;
  try {
    sock = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ host: to.host, port: to.port });
      s.once("connect", () => resolve(s));
      s.once("error", reject);
      s.setTimeout(timeoutMs, () => s.destroy(new Error("timeout")));
    });
  } catch (err) {
    const detail = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return {
      refused: reply(451, `4.4.1 spfdk filter: next hop ${to.host}:${to.port} unreachable (${detail})`),
    };
  }
  sock.on("error", () => undefined);
  sock.setNoDelay(true);
  const reader = new SmtpReader(sock, 65536);
  const send = async (line: string): Promise<Reply> => {
    if (sock.destroyed) return LOST("connection lost");
    sock.write(`${line}\r\n`);
    return (await reader.reply()) ?? LOST("closed the connection");
  };
  const greeting = await reader.reply();
  if (greeting === null || greeting.code !== 220) {
    sock.destroy();
    return { refused: greeting && greeting.code >= 400 ? greeting : LOST("sent no greeting") };
  }
  const ehlo = await send(`EHLO ${name}`);
  if (ehlo.code !== 250) {
    sock.destroy();
    return { refused: ehlo.code >= 400 ? ehlo : LOST(`refused EHLO (${ehlo.code})`) };
  }
  const extensions = new Map<string, string>();
  for (const l of ehlo.lines.slice(1)) {
    const [k, ...rest] = l.trim().split(/\s+/);
    if (k) extensions.set(k.toUpperCase(), rest.join(" "));
  }
  return {
    hop: {
      extensions,
      command: send,
      async data(stuffed) {
        const go = await send("DATA");
        if (go.code !== 354) return go;
        if (sock.destroyed) return LOST("connection lost");
        sock.write(stuffed);
        return (await reader.reply()) ?? LOST("closed the connection during DATA");
      },
      alive: () => !sock.destroyed && sock.writable && !sock.readableEnded,
      async quit() {
        if (!sock.destroyed) {
          sock.write("QUIT\r\n");
          await Promise.race([reader.reply(), new Promise((r) => setTimeout(r, 1000).unref())]);
        }
        sock.destroy();
      },
    },
  };
}
