/**
 * The options of `spfdk postfix-config`, validated with zod. Keys are the camelCase names of the
 * CLI flags, so that a problem is reported with the flag's name (`--in-filter-port: ...`).
 */
import { z } from "zod";
import { dnsNameProblem, domainNameProblem } from "../dns/names.js";

/** The parts spfdk can render; all of them by default (see `resolveParts`). */
export const PARTS = ["inbound", "outbound", "pickup", "transport", "debug"] as const;
/** One renderable part. */
export type Part = (typeof PARTS)[number];

/** Map types accepted for the transport table (postconf -m lists what a given Postfix supports). */
export const MAP_TYPES = ["hash", "lmdb", "cdb", "btree", "dbm"] as const;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whether `s` is an IPv4 address in dotted-quad form. */
export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** Whether `s` looks like an IPv6 address (hex groups and colons; no zone id). */
export function isIpv6(s: string): boolean {
  return /^[0-9A-Fa-f:.]+$/.test(s) && s.includes(":") && (s.match(/::/g) ?? []).length <= 1;
}

/** A decimal number given as a flag (a string) or a default; `1e3`, `0x10` or `25.0` are not. */
const whole = (message: string) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\d{1,9}$/.test(v.trim()) ? Number(v) : v),
    z.number({ message }).int({ message }),
  );

const port = whole("must be a port number").pipe(
  z
    .number()
    .min(1, { message: "must be between 1 and 65535" })
    .max(65535, { message: "must be between 1 and 65535" }),
);

const count = (max: number) =>
  whole("must be a whole number").pipe(
    z
      .number()
      .min(1, { message: `must be between 1 and ${max}` })
      .max(max, { message: `must be between 1 and ${max}` }),
  );

/**
 * Service names of Debian's stock master.cf (Postfix 3.7, including its commented examples). The
 * signing transport must not be one of them: spfdk would add its `-o` options to that service (the
 * `smtp` transport, say) and change how all mail is delivered.
 */
export const STOCK_SERVICES: ReadonlySet<string> = new Set(
  (
    "smtp smtpd submission submissions 628 pickup cleanup qmgr tlsmgr rewrite bounce defer trace " +
    "verify flush proxymap proxywrite relay showq error retry discard local virtual lmtp anvil " +
    "scache postlog postscreen dnsblog tlsproxy maildrop uucp ifmail bsmtp scalemail-backend " +
    "mailman cyrus oqmgr"
  ).split(" "),
);

const inPortRange = (p: string) => Number(p) >= 1 && Number(p) <= 65535;

/** Why `s` is not a usable master.cf inet service name (`smtp`, `2525`, `127.0.0.1:2525`), or null. */
export function inetServiceProblem(s: string): string | null {
  if (/^[A-Za-z][A-Za-z0-9-]*$/.test(s)) return null;
  if (/^\d{1,5}$/.test(s)) return inPortRange(s) ? null : `"${s}" is not a port between 1 and 65535`;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return `"${s}" is not a service name, port or host:port`;
  if (!inPortRange(m[2]!)) return `"${s}" has a port outside 1-65535`;
  const host = m[1]!.replace(/^\[|\]$/g, "");
  if (isIpv4(host) || isIpv6(host) || dnsNameProblem(host) === null) return null;
  return `"${s}" has an invalid host`;
}

/** Why `s` is not HOST, HOST:PORT, [HOST] or [HOST]:PORT, or null. */
export function gatewayProblem(s: string): string | null {
  const m = /^(\[([^\]]+)\]|([^\s:[\]]+))(?::(\d{1,5}))?$/.exec(s);
  if (!m) return `"${s}" is not HOST, HOST:PORT or [HOST]:PORT`;
  const host = m[2] ?? m[3]!;
  if (m[4] !== undefined && (Number(m[4]) < 1 || Number(m[4]) > 65535)) return `"${s}" has a bad port`;
  if (isIpv4(host) || isIpv6(host) || dnsNameProblem(host) === null) return null;
  return `"${s}" has an invalid host name`;
}

/** Why `s` is not a debug_peer_list element (host name, IP address or network/prefix), or null. */
export function debugPeerProblem(s: string): string | null {
  const [addr, prefix, ...rest] = s.split("/");
  if (rest.length > 0 || addr === undefined) return `"${s}" is not a host, address or network`;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return `"${s}" has a bad prefix length`;
  const bare = addr.replace(/^\[|\]$/g, "");
  const max = isIpv4(bare) ? 32 : 128;
  if (prefix !== undefined && Number(prefix) > max) return `"${s}" has a prefix length over ${max}`;
  if (isIpv4(bare) || isIpv6(bare)) return null;
  if (prefix === undefined && dnsNameProblem(bare) === null) return null;
  return `"${s}" is not a host, address or network`;
}

const checked = (problem: (s: string) => string | null) =>
  z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p !== null) ctx.addIssue({ code: "custom", message: p });
  });

/** The zod schema for the options (keys = camelCase flag names). */
export const PostfixOptionsSchema = z
  .object({
    filterHost: z
      .string()
      .refine((s) => isIpv4(s) || isIpv6(s), { message: "must be an IPv4 or IPv6 address" })
      .default("127.0.0.1"),
    inFilterPort: port.default(10025),
    inReturnPort: port.default(10026),
    outFilterPort: port.default(10027),
    outReturnPort: port.default(10028),
    smtpService: checked(inetServiceProblem).default("smtp"),
    submissionService: checked(inetServiceProblem).default("submission"),
    signTransport: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, { message: "must be a service name like dksign" })
      .refine((s) => !STOCK_SERVICES.has(s.toLowerCase()), {
        message: "names one of Postfix's own services; choose a name of its own, like dksign",
      })
      .default("dksign"),
    connectionLimit: count(10000).default(10),
    filterProcesses: count(1000).default(10),
    sasl: z.boolean().default(true),
    mime: z
      .enum(["discard-8bitmime", "no-conversion"], { message: "must be discard-8bitmime or no-conversion" })
      .default("discard-8bitmime"),
    domain: z
      .array(checked((d) => (domainNameProblem(d) ? `"${d}" ${domainNameProblem(d)}` : null)))
      .default([]),
    gateway: checked(gatewayProblem).optional(),
    mapType: z.enum(MAP_TYPES, { message: `must be one of ${MAP_TYPES.join(", ")}` }).default("hash"),
    debugPeer: z.array(checked(debugPeerProblem)).default([]),
    debugLevel: count(10).default(2),
  })
  .superRefine((o, ctx) => {
    const ports = [o.inFilterPort, o.inReturnPort, o.outFilterPort, o.outReturnPort];
    if (new Set(ports).size !== ports.length) {
      ctx.addIssue({ code: "custom", path: ["inFilterPort"], message: "the four filter ports must differ" });
    }
    if (o.smtpService === o.submissionService) {
      ctx.addIssue({
        code: "custom",
        path: ["submissionService"],
        message: "must differ from --smtp-service",
      });
    }
    for (const [key, name] of [
      ["smtpService", o.smtpService],
      ["submissionService", o.submissionService],
    ]) {
      const p = /(?:^|:)(\d+)$/.exec(name!)?.[1];
      if (p !== undefined && ports.includes(Number(p))) {
        ctx.addIssue({ code: "custom", path: [key!], message: `port ${p} is one of the filter ports` });
      }
    }
  });

/** Validated options. */
export type PostfixOptions = z.infer<typeof PostfixOptionsSchema>;

/**
 * The parts to render. Parts named explicitly are all rendered, and a missing input is an error
 * (returned as `{flag, message}`). With no part named, every part is rendered except transport
 * without --gateway/--domain and debug without --debug-peer, which are skipped with a note.
 */
export function resolveParts(
  explicit: readonly Part[],
  o: PostfixOptions,
): { parts: Part[]; notes: string[] } | { flag: string; message: string } {
  const transportReady = o.gateway !== undefined && o.domain.length > 0;
  const debugReady = o.debugPeer.length > 0;
  if (explicit.includes("transport") && !transportReady) {
    const flag = o.gateway === undefined ? "--gateway" : "--domain";
    return { flag, message: "required by --transport (the gateway, and each local domain)" };
  }
  if (explicit.includes("debug") && !debugReady) {
    return { flag: "--debug-peer", message: "required by --debug (the peers to log verbosely)" };
  }
  if (explicit.length > 0) return { parts: PARTS.filter((p) => explicit.includes(p)), notes: [] };
  const notes: string[] = [];
  if (!transportReady) notes.push("transport part skipped: it needs --gateway and --domain");
  if (!debugReady) notes.push("debug part skipped: it needs --debug-peer");
  const parts = PARTS.filter((p) => (p === "transport" ? transportReady : p === "debug" ? debugReady : true));
  return { parts, notes };
}
