import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { keyRecordValue } from "../../src/dkim/key-record.js";
import { answerFromError, nodeResolver, parseServerSpec } from "../../src/dns/node-resolver.js";
import type { DnsAnswer, Resolver } from "../../src/dns/resolver.js";
import { staticResolver, type ZoneData } from "../../src/dns/static-resolver.js";
import { startDnsServer, txtChunks, type DnsServer } from "../helpers/dns-server.js";
import { REPO_ROOT } from "../helpers/shared.js";

const pem = readFileSync(join(REPO_ROOT, "test/fixtures/keygen/existing.pem"), "utf8");
const KEY_2048 = keyRecordValue({
  type: "rsa",
  publicKey: createPublicKey(pem).export({ type: "spki", format: "der" }).toString("base64"),
});
/** Six 120-byte TXT records: about 760 bytes of answer, over the 512-byte UDP limit. */
const BIG_TXT = Array.from({ length: 6 }, (_, i) => `record-${i}-${"x".repeat(111)}`);

const ZONE: ZoneData = {
  "example.com": {
    TXT: [["v=spf1 ", "ip4:192.0.2.0/24 ", "-all"]],
    A: ["192.0.2.1", "192.0.2.2"],
    AAAA: ["2001:db8::1"],
    MX: [
      { preference: 10, exchange: "mx1.example.com" },
      { preference: 20, exchange: "mx2.example.com" },
    ],
    ttl: 600,
  },
  "mail._domainkey.example.com": { TXT: [KEY_2048], ttl: 600 },
  "big.example.com": { TXT: BIG_TXT, ttl: 600 },
  "www.example.com": { CNAME: "example.com", ttl: 600 },
  "empty.example.com": { ttl: 600 },
  "1.2.0.192.in-addr.arpa": { PTR: ["mail.example.com"], ttl: 600 },
  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa": {
    PTR: ["v6.example.com"],
    ttl: 600,
  },
  "loop1.example.com": { CNAME: "loop2.example.com" },
  "loop2.example.com": { CNAME: "loop1.example.com" },
  "servfail.example.com": "SERVFAIL",
  "partial.example.com": { A: ["192.0.2.7"], errors: { TXT: "SERVFAIL", MX: "TIMEOUT" } },
  "refused.example.com": "REFUSED",
  "timeout.example.com": "TIMEOUT",
  "silent.example.com": { TXT: ["never sent"] },
};

let server: DnsServer;
let resolver: Resolver;

beforeAll(async () => {
  server = await startDnsServer(ZONE, { neverAnswer: ["silent.example.com"] });
  resolver = nodeResolver({ servers: [server.spec], timeoutMs: 300, tries: 1 });
});
afterAll(async () => {
  await server.close();
});

const queriesFor = (name: string) => server.queries.filter((q) => q.name.toLowerCase() === name);

describe("nodeResolver against the loopback server", () => {
  it("joins the character-strings of one TXT record", async () => {
    expect(await resolver.txt("example.com")).toEqual({
      kind: "ok",
      records: ["v=spf1 ip4:192.0.2.0/24 -all"],
    });
  });

  it("reads a 2048-bit DKIM key record sent as several 255-byte strings", async () => {
    expect(txtChunks(KEY_2048).length).toBeGreaterThan(1);
    expect(await resolver.txt("mail._domainkey.example.com")).toEqual({ kind: "ok", records: [KEY_2048] });
  });

  it("returns A and AAAA with their TTL, MX with preferences, PTR for both families", async () => {
    expect(await resolver.a("example.com")).toEqual({
      kind: "ok",
      records: ["192.0.2.1", "192.0.2.2"],
      ttl: 600,
    });
    expect(await resolver.aaaa("example.com")).toEqual({ kind: "ok", records: ["2001:db8::1"], ttl: 600 });
    expect(await resolver.mx("example.com")).toEqual({
      kind: "ok",
      records: [
        { preference: 10, exchange: "mx1.example.com" },
        { preference: 20, exchange: "mx2.example.com" },
      ],
    });
    expect(await resolver.ptr("192.0.2.1")).toEqual({ kind: "ok", records: ["mail.example.com"] });
    expect(await resolver.ptr("2001:db8::1")).toEqual({ kind: "ok", records: ["v6.example.com"] });
  });

  it("follows a CNAME", async () => {
    expect(await resolver.a("www.example.com")).toEqual({
      kind: "ok",
      records: ["192.0.2.1", "192.0.2.2"],
      ttl: 600,
    });
  });

  it("tells NXDOMAIN from NODATA", async () => {
    expect(await resolver.txt("absent.example.com")).toEqual({ kind: "nxdomain" });
    expect(await resolver.txt("empty.example.com")).toEqual({ kind: "nodata" });
    expect(await resolver.mx("mail._domainkey.example.com")).toEqual({ kind: "nodata" });
    expect(await resolver.ptr("192.0.2.200")).toEqual({ kind: "nxdomain" });
  });

  it.each(["servfail.example.com", "refused.example.com", "partial.example.com"])(
    "reports %s as a temporary error, never as no records",
    async (name) => {
      expect(await resolver.txt(name)).toMatchObject({ kind: "error", temporary: true });
    },
  );

  it.each(["timeout.example.com", "silent.example.com"])(
    "gives a temporary error within the configured bound when %s is never answered",
    async (name) => {
      const started = Date.now();
      const answer = await resolver.txt(name);
      expect(answer).toEqual({ kind: "error", temporary: true, detail: "ETIMEOUT" });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(queriesFor(name).length).toBeGreaterThanOrEqual(1);
    },
  );

  it("answers the other types of a name with per-type errors", async () => {
    expect(await resolver.a("partial.example.com")).toEqual({ kind: "ok", records: ["192.0.2.7"], ttl: 300 });
    expect(await resolver.mx("partial.example.com")).toEqual({
      kind: "error",
      temporary: true,
      detail: "ETIMEOUT",
    });
  });

  it("answers NODATA for a CNAME loop (the CNAMEs are sent, as an authoritative server does)", async () => {
    expect(await resolver.a("loop1.example.com")).toEqual({ kind: "nodata" });
    expect(await resolver.txt("loop2.example.com")).toEqual({ kind: "nodata" });
  });

  it("retries a truncated UDP answer over TCP", async () => {
    expect(await resolver.txt("big.example.com")).toEqual({ kind: "ok", records: BIG_TXT });
    expect(queriesFor("big.example.com").map((q) => q.via)).toEqual(["udp", "tcp"]);
  });

  it("gives a temporary error, not a partial answer, when the TCP retry is impossible", async () => {
    const udpOnly = await startDnsServer(ZONE, { tcp: false });
    try {
      const r = nodeResolver({ servers: [udpOnly.spec], timeoutMs: 300, tries: 1 });
      expect(await r.txt("big.example.com")).toMatchObject({ kind: "error", temporary: true });
      expect(await r.txt("example.com")).toMatchObject({ kind: "ok" });
    } finally {
      await udpOnly.close();
    }
  });

  it("gives a temporary error when nothing listens on the server port", async () => {
    const gone = await startDnsServer({});
    await gone.close();
    const r = nodeResolver({ servers: [gone.spec], timeoutMs: 300, tries: 1 });
    expect(await r.a("example.com")).toMatchObject({ kind: "error", temporary: true });
  });

  it("traces each query", async () => {
    const lines: string[] = [];
    const r = nodeResolver({ servers: [server.spec], timeoutMs: 300, tries: 1, trace: (l) => lines.push(l) });
    await r.txt("absent.example.com");
    expect(lines).toEqual(["dns: TXT absent.example.com -> nxdomain"]);
  });

  it("answers like staticResolver over the same zone (TTL aside)", async () => {
    const local = staticResolver(ZONE);
    const strip = (a: DnsAnswer<unknown>) =>
      a.kind === "ok" ? { kind: a.kind, records: a.records } : a.kind;
    const names = [
      "example.com",
      "www.example.com",
      "mail._domainkey.example.com",
      "empty.example.com",
      "absent.example.com",
    ];
    for (const name of names) {
      for (const type of ["txt", "a", "aaaa", "mx"] as const) {
        expect([name, type, strip(await resolver[type](name))]).toEqual([
          name,
          type,
          strip(await local[type](name)),
        ]);
      }
    }
    for (const ip of ["192.0.2.1", "2001:db8::1", "192.0.2.77"]) {
      expect([ip, strip(await resolver.ptr(ip))]).toEqual([ip, strip(await local.ptr(ip))]);
    }
  });
});

describe("answerFromError", () => {
  it.each([
    ["ENOTFOUND", { kind: "nxdomain" }],
    ["ENODATA", { kind: "nodata" }],
    ["ETIMEOUT", { kind: "error", temporary: true, detail: "ETIMEOUT" }],
    ["ESERVFAIL", { kind: "error", temporary: true, detail: "ESERVFAIL" }],
    ["ECONNREFUSED", { kind: "error", temporary: true, detail: "ECONNREFUSED" }],
    ["EREFUSED", { kind: "error", temporary: true, detail: "EREFUSED" }],
    ["EBADRESP", { kind: "error", temporary: true, detail: "EBADRESP" }],
    ["ECANCELLED", { kind: "error", temporary: true, detail: "ECANCELLED" }],
    ["EBADNAME", { kind: "error", temporary: false, detail: "EBADNAME" }],
  ])("maps %s", (code, expected) => {
    expect(answerFromError(Object.assign(new Error(`query failed ${code}`), { code }))).toEqual(expected);
  });

  it("keeps the message of an error without a code as a temporary error", () => {
    expect(answerFromError(new Error("boom"))).toEqual({ kind: "error", temporary: true, detail: "boom" });
  });
});

describe("parseServerSpec", () => {
  it.each([
    ["192.0.2.53", "192.0.2.53"],
    ["127.0.0.1:5353", "127.0.0.1:5353"],
    [" 127.0.0.1:53 ", "127.0.0.1:53"],
    ["::1", "::1"],
    ["2001:db8::53", "2001:db8::53"],
    ["[::1]", "::1"],
    ["[::1]:5353", "[::1]:5353"],
    ["[2001:db8::53]:053", "[2001:db8::53]:53"],
  ])("accepts %j as %j", (spec, expected) => {
    expect(parseServerSpec(spec)).toBe(expected);
  });

  it.each([
    ["", /not an IP address/],
    ["dns.example.com", /not an IP address/],
    ["dns.example.com:53", /not an IP address/],
    ["192.0.2.1:", /port must be a number from 1 to 65535/],
    ["192.0.2.1:0", /port must be a number from 1 to 65535/],
    ["192.0.2.1:65536", /port must be a number from 1 to 65535/],
    ["192.0.2.1:53x", /port must be a number/],
    ["1.2.3", /not an IP address/],
    ["[192.0.2.1]:53", /is not an IPv6 address/],
    ["[::1]:", /port must be a number/],
    ["::1:5353:", /not an IP address/],
  ])("refuses %j", (spec, message) => {
    expect(() => parseServerSpec(spec)).toThrow(message);
  });

  it("gives node's setServers values it accepts, IPv6 with a port included", () => {
    for (const spec of ["127.0.0.1:5353", "[::1]:5353", "::1"]) {
      expect(() => nodeResolver({ servers: [parseServerSpec(spec)] })).not.toThrow();
    }
  });
});
