/**
 * SMTP on a socket (RFC 5321), the parts both sides of the filter need: reading command lines,
 * replies and the DATA stream from a socket, replies as data, and dot-stuffing (§4.5.2).
 */
import type { Socket } from "node:net";

/** One SMTP reply: its code and its text lines (without the "250-" / "250 " prefixes). */
export interface Reply {
  code: number;
  lines: string[];
}

/** The reply as it goes on the wire: "250-first\r\n250 last\r\n". */
export function formatReply(r: Reply): string {
  const lines = r.lines.length > 0 ? r.lines : [""];
  return lines.map((l, i) => `${r.code}${i === lines.length - 1 ? " " : "-"}${l}\r\n`).join("");
}

/** A reply in one line of text ("451 4.4.1 next hop down"), for logs. */
export function replyText(r: Reply): string {
  return `${r.code} ${r.lines.join(" / ")}`;
}

/** A reply from a code and one or more lines. */
export const reply = (code: number, ...lines: string[]): Reply => ({ code, lines });

const CRLF_DOT_CRLF = Buffer.from("\r\n.\r\n");
const EMPTY = Buffer.alloc(0);

/**
 * Removes the transparency dots of a DATA stream (RFC 5321 §4.5.2): a line that starts with "."
 * loses that first "." (the stream without its final ".\r\n").
 */
export function dotUnstuff(data: Buffer): Buffer {
  if (data.indexOf(".", 0, "latin1") < 0) return data;
  const out = Buffer.allocUnsafe(data.length);
  let j = 0;
  let lineStart = true;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (lineStart && b === 0x2e) {
      lineStart = false;
      continue;
    }
    out[j++] = b;
    lineStart = b === 0x0a && i > 0 && data[i - 1] === 0x0d;
  }
  return out.subarray(0, j);
}

/**
 * The message as a DATA stream: a "." doubled at the start of every line, CRLF added at the end
 * when missing, then the final ".\r\n".
 */
export function dotStuff(message: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  if (message.length > 0 && message[0] === 0x2e) parts.push(Buffer.from("."));
  for (let i = message.indexOf("\r\n.", 0, "latin1"); i >= 0; i = message.indexOf("\r\n.", i + 2, "latin1")) {
    parts.push(message.subarray(from, i + 2), Buffer.from("."));
    from = i + 2;
  }
  parts.push(message.subarray(from));
  const endsWithCrlf =
    message.length >= 2 && message[message.length - 2] === 0x0d && message[message.length - 1] === 0x0a;
  parts.push(Buffer.from(endsWithCrlf || message.length === 0 ? ".\r\n" : "\r\n.\r\n"));
  return Buffer.concat(parts);
}

/** What reading the DATA stream gave: the message, or that it was over the size limit. */
export type DataResult = { kind: "message"; message: Buffer } | { kind: "too-big"; size: number };

/**
 * Reads a socket as SMTP: command or reply lines, and the DATA stream up to "\r\n.\r\n". Input that
 * arrives while the caller is busy (pipelined commands) waits in the buffer. Every read resolves
 * with null once the socket has ended or failed, or when `idleMs` passes without input.
 */
export class SmtpReader {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly sock: Socket,
    private readonly maxLine = 4096,
  ) {
    sock.on("data", (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.poke();
    });
    const end = () => {
      this.ended = true;
      this.poke();
    };
    sock.on("end", end);
    sock.on("close", end);
    sock.on("error", end);
    sock.on("timeout", () => {
      this.ended = true;
      sock.destroy();
      this.poke();
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private more(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /**
   * The next line without its line end (CRLF, or a bare LF), latin1; "" + `tooLong` when a line
   * is longer than maxLine (the rest of it is skipped); null at the end of the input.
   */
  async line(): Promise<{ text: string; tooLong: boolean } | null> {
    let skipping = false;
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl >= 0) {
        const end = nl > 0 && this.buf[nl - 1] === 0x0d ? nl - 1 : nl;
        const text = skipping || end > this.maxLine ? "" : this.buf.toString("latin1", 0, end);
        const tooLong = skipping || end > this.maxLine;
        this.buf = this.buf.subarray(nl + 1);
        return { text, tooLong };
      }
      if (this.buf.length > this.maxLine) {
        skipping = true;
        this.buf = Buffer.alloc(0);
      }
      if (this.ended) return null;
      await this.more();
    }
  }

  /** A whole reply (its continuation lines too), or null at the end of the input. */
  async reply(): Promise<Reply | null> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.line();
      if (l === null) return null;
      const m = /^(\d{3})([ -]?)(.*)$/.exec(l.text);
      if (!m) return { code: 0, lines: [l.text] };
      lines.push(m[3]!);
      if (m[2] !== "-") return { code: Number(m[1]), lines };
    }
  }

  /**
   * The DATA stream up to the line ".", dot-unstuffed. Past `maxSize` octets the rest is read and
   * dropped, and the result says so. Null at the end of the input.
   */
  async data(maxSize: number): Promise<DataResult | null> {
    // acc holds CRLF + the stream so far, so that a "." line at the very start is found too.
    let acc = Buffer.allocUnsafe(Math.max(64 * 1024, this.buf.length + 2));
    acc[0] = 0x0d;
    acc[1] = 0x0a;
    let len = 2;
    let dropped = 0; // octets dropped from the front once the message is over maxSize
    let searched = 0;
    for (;;) {
      if (this.buf.length > 0) {
        if (len + this.buf.length > acc.length) {
          const grown = Buffer.allocUnsafe(Math.max(acc.length * 2, len + this.buf.length));
          acc.copy(grown, 0, 0, len);
          acc = grown;
        }
        this.buf.copy(acc, len);
        len += this.buf.length;
        this.buf = EMPTY;
        const end = acc.subarray(0, len).indexOf(CRLF_DOT_CRLF, searched);
        if (end >= 0) {
          // Whatever follows the terminator is the next (pipelined) command.
          this.buf = Buffer.from(acc.subarray(end + 5, len));
          const size = dropped + end;
          if (dropped > 0 || size > maxSize) return { kind: "too-big", size };
          return { kind: "message", message: dotUnstuff(acc.subarray(2, end + 2)) };
        }
        searched = Math.max(0, len - 4);
        if (dropped + len - 2 > maxSize + 4) {
          // Too big: keep only the last 4 octets (a terminator may start in them).
          acc.copyWithin(0, len - 4, len);
          dropped += len - 4;
          len = 4;
          searched = 0;
        }
      }
      if (this.ended) return null;
      await this.more();
    }
  }
}
