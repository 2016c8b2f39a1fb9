/**
 * A loopback DNS server for wire-path tests: dns2 2.4 serving a `ZoneData` on 127.0.0.1, UDP and
 * TCP on the same random port (so a truncated UDP answer can be retried over TCP, RFC 7766 §5).
 * It only ever listens on a loopback address (127.0.0.1 unless `address` picks another 127.x) and
 * never forwards: nothing reaches public DNS.
 */
import type { Socket } from "node:net";
import { createTCPServer, createUDPServer, Packet } from "dns2";
import type { RecordType } from "../../src/dns/resolver.js";
import { normalizeName, walkCnames, type ZoneData, type ZoneNode } from "../../src/dns/static-resolver.js";

/** Options of `startDnsServer`. */
export interface DnsServerOptions {
  /** Serve over UDP (default true). */
  udp?: boolean;
  /** Serve over TCP on the same port (default true). */
  tcp?: boolean;
  /** Names (any case, trailing dot ignored) whose queries get no reply at all. */
  neverAnswer?: string[];
  /** IPv4 loopback address to listen on, 127.0.0.0/8 only (default "127.0.0.1"). */
  address?: string;
  /**
   * Port for UDP and TCP (default 0: a random free port, retried on a clash). A fixed port that is
   * taken rejects with the EADDRINUSE (or, below 1024 without privilege, EACCES) error.
   */
  port?: number;
}

/** A running loopback server. */
export interface DnsServer {
  port: number;
  /** The address listened on ("127.0.0.1" unless `DnsServerOptions.address` chose another). */
  address: string;
  /** Every query received, in order (`name` as asked, `type` like "TXT"; the transport in `via`). */
  queries: { name: string; type: string; via: "udp" | "tcp" }[];
  /** `ADDRESS:PORT` (e.g. `127.0.0.1:PORT`), ready for `--dns` and `nodeResolver({ servers })`. */
  spec: string;
  close(): Promise<void>;
}

const TYPE_NAMES = new Map<number, string>(Object.entries(Packet.TYPE).map(([k, v]) => [v as number, k]));
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const DEFAULT_TTL = 300;

/** One TXT record as dns2 rdata: character-strings of at most 255 bytes (RFC 1035 §3.3.14). */
export function txtChunks(record: string | string[]): Buffer[] {
  const strings = Array.isArray(record) ? record : [record];
  const chunks: Buffer[] = [];
  for (const s of strings) {
    const bytes = Buffer.from(s, "utf8");
    if (bytes.length === 0) chunks.push(bytes);
    for (let i = 0; i < bytes.length; i += 255) chunks.push(bytes.subarray(i, i + 255));
  }
  // A zero-string TXT record makes c-ares reject the whole answer (EBADRESP): send one empty string.
  return chunks.length > 0 ? chunks : [Buffer.alloc(0)];
}

type Rr = Record<string, unknown> & { name: string; type: number; class: number; ttl: number };

/** The answer records of `node` for `type` (a TXT, A, AAAA, MX or PTR number). */
function recordsOf(node: ZoneNode, type: number, owner: string): Rr[] {
  const base = { name: owner, type, class: Packet.CLASS.IN, ttl: node.ttl ?? DEFAULT_TTL };
  switch (type) {
    case Packet.TYPE.TXT:
      return (node.TXT ?? []).map((r) => ({ ...base, data: txtChunks(r) }));
    case Packet.TYPE.A:
      return (node.A ?? []).map((address) => ({ ...base, address }));
    case Packet.TYPE.AAAA:
      return (node.AAAA ?? []).map((address) => ({ ...base, address }));
    case Packet.TYPE.MX:
      return (node.MX ?? []).map((m) => ({ ...base, priority: m.preference, exchange: m.exchange }));
    case Packet.TYPE.PTR:
      return (node.PTR ?? []).map((domain) => ({ ...base, domain }));
    default:
      return [];
  }
}

const RECORD_TYPES = new Map<number, RecordType>(
  (["TXT", "A", "AAAA", "MX", "PTR"] as const).map((t) => [Packet.TYPE[t] as number, t]),
);

/**
 * Builds the reply for one question the way an authoritative server does: NOERROR with the CNAME
 * chain and the records (NOERROR with no records is NODATA; a CNAME loop is sent as its CNAMEs),
 * NXDOMAIN, rcode 2 / 5 for "SERVFAIL" / "REFUSED" entries (whole name or per type); null means
 * "do not reply" ("TIMEOUT").
 */
function reply(
  zone: Map<string, ZoneData[string]>,
  qname: string,
  qtype: number,
): { rcode: number; answers: Rr[] } | null {
  const first = zone.get(normalizeName(qname));
  if (qtype === Packet.TYPE.CNAME) {
    if (first === undefined) return { rcode: RCODE.NXDOMAIN, answers: [] };
    if (typeof first === "string") return first === "TIMEOUT" ? null : { rcode: RCODE[first], answers: [] };
    const ttl = first.ttl ?? DEFAULT_TTL;
    const answers =
      first.CNAME === undefined
        ? []
        : [{ name: qname, type: qtype, class: Packet.CLASS.IN, ttl, domain: first.CNAME }];
    return { rcode: RCODE.NOERROR, answers };
  }
  const walk = walkCnames((owner) => zone.get(owner), qname);
  const shown = (owner: string, i: number) => (i === 0 ? qname : owner);
  const answers: Rr[] = walk.aliases.map((owner, i) => {
    const node = zone.get(owner) as ZoneNode;
    return {
      name: shown(owner, i),
      type: Packet.TYPE.CNAME,
      class: Packet.CLASS.IN,
      ttl: node.ttl ?? DEFAULT_TTL,
      domain: normalizeName(node.CNAME!),
    };
  });
  const finalName = (owner: string) => shown(owner, walk.aliases.length);
  const type = RECORD_TYPES.get(qtype);
  switch (walk.kind) {
    case "loop":
      return { rcode: RCODE.NOERROR, answers };
    case "nxdomain":
      return { rcode: RCODE.NXDOMAIN, answers };
    case "failure":
      return walk.failure === "TIMEOUT" ? null : { rcode: RCODE[walk.failure], answers: [] };
    case "node": {
      const failure = type === undefined ? undefined : walk.node.errors?.[type];
      if (failure) return failure === "TIMEOUT" ? null : { rcode: RCODE[failure], answers: [] };
      return {
        rcode: RCODE.NOERROR,
        answers: [...answers, ...recordsOf(walk.node, qtype, finalName(walk.owner))],
      };
    }
  }
}

/** Binds a dns2 UDP server; unlike dns2's `listen`, a bind error (port taken) rejects. */
function listenUdp(udp: ReturnType<typeof createUDPServer>, port: number, address: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(port, address, () => {
      udp.off("error", reject);
      resolve();
    });
  });
}

/**
 * Starts dns2 on 127.0.0.1 (random port; `address` and `port` choose others) serving `zone`.
 * Resolve `close()` before the test ends.
 * TXT strings are split into <=255-byte character-strings here, because dns2 2.4 writes longer ones
 * with a wrong length byte. dns2 sets TC on UDP answers over 512 bytes (no EDNS from c-ares' default).
 */
export async function startDnsServer(zone: ZoneData, opts: DnsServerOptions = {}): Promise<DnsServer> {
  const index = new Map<string, ZoneData[string]>(
    Object.entries(zone).map(([k, v]) => [normalizeName(k), v]),
  );
  const silent = new Set((opts.neverAnswer ?? []).map(normalizeName));
  const queries: DnsServer["queries"] = [];
  const handler =
    (via: "udp" | "tcp") =>
    (request: Packet, send: (response: Packet) => void): void => {
      const question = request.questions[0];
      if (!question) return;
      queries.push({
        name: question.name,
        type: TYPE_NAMES.get(question.type) ?? String(question.type),
        via,
      });
      if (silent.has(normalizeName(question.name))) return;
      const r = reply(index, question.name, question.type);
      if (r === null) return;
      const response = Packet.createResponseFromRequest(request);
      response.header.rcode = r.rcode;
      response.header.aa = 1;
      response.answers = r.answers as unknown as Packet["answers"];
      send(response);
    };

  const useUdp = opts.udp ?? true;
  const useTcp = opts.tcp ?? true;
  const address = opts.address ?? "127.0.0.1";
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) {
    throw new Error(`startDnsServer: ${address} is not an IPv4 loopback address (127.x.y.z)`);
  }
  const fixedPort = opts.port ?? 0;
  const sockets = new Set<Socket>();
  for (let attempt = 0; ; attempt++) {
    const udp = useUdp ? createUDPServer(handler("udp") as never) : null;
    const tcp = useTcp ? createTCPServer(handler("tcp") as never) : null;
    tcp?.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    let port = fixedPort;
    let udpBound = false;
    try {
      if (udp) {
        await listenUdp(udp, port, address);
        udpBound = true;
        port = udp.address().port;
      }
      if (tcp) {
        await new Promise<void>((resolve, reject) => {
          tcp.once("error", reject);
          tcp.listen(port, address, () => resolve());
        });
        const addr = tcp.address();
        if (addr && typeof addr === "object") port = addr.port;
      }
    } catch (err) {
      if (udpBound) udp?.close();
      const clash = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
      if (fixedPort === 0 && attempt < 5 && clash) continue;
      throw err;
    }
    const close = async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([
        udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
        tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
      ]);
    };
    return { port, address, queries, spec: `${address}:${port}`, close };
  }
}
