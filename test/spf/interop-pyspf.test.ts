/**
 * Interop: the same zones, served by the loopback dns2 server, checked by spfdk (real client) and
 * by pyspf (Debian python3-spf on /usr/bin/python3, dnspython pointed at the server). The results
 * must agree. Skipped loudly when pyspf is missing (and failing under CI=true).
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { nodeResolver } from "../../src/dns/node-resolver.js";
import type { ZoneData } from "../../src/dns/static-resolver.js";
import { checkSpf } from "../../src/spf/identities.js";
import { startDnsServer, type DnsServer } from "../helpers/dns-server.js";
import { peerAvailable } from "../helpers/peers.js";

const ZONE: ZoneData = {
  "example.com": {
    TXT: ["v=spf1 ip4:192.0.2.0/24 include:_spf.example.net mx -all"],
    MX: [{ preference: 10, exchange: "mx.example.com" }],
  },
  "mx.example.com": { A: ["203.0.113.25"], AAAA: ["2001:db8::25"] },
  "_spf.example.net": { TXT: ["v=spf1 a ip6:2001:db8:1::/48 ~all"], A: ["198.51.100.7"] },
  "macro.example": { TXT: ["v=spf1 exists:%{ir}.%{l1r-}._e.macro.example ?all"] },
  "1.2.0.192.alice._e.macro.example": { A: ["127.0.0.2"] },
  "redir.example": { TXT: ["v=spf1 redirect=example.com"] },
  "bad.example": { TXT: ["v=spf1 ip4:192.0.2.1/33 -all"] },
  "two.example": { TXT: ["v=spf1 -all", "v=spf1 +all"] },
  "nospf.example": { TXT: ["hello"] },
  "voids.example": { TXT: ["v=spf1 a:n1.voids.example a:n2.voids.example a:n3.voids.example -all"] },
};

const CASES: [ip: string, sender: string][] = [
  ["192.0.2.9", "a@example.com"],
  ["198.51.100.7", "a@example.com"],
  ["203.0.113.25", "a@example.com"],
  ["2001:db8::25", "a@example.com"],
  ["2001:db8:1::9", "a@example.com"],
  ["203.0.113.99", "a@example.com"],
  ["192.0.2.1", "alice-bob@macro.example"],
  ["192.0.2.1", "bob-carol@macro.example"],
  ["203.0.113.25", "a@redir.example"],
  ["192.0.2.1", "a@bad.example"],
  ["192.0.2.1", "a@two.example"],
  ["192.0.2.1", "a@nospf.example"],
  ["192.0.2.1", "a@voids.example"],
];

function pyspf(port: number): Promise<string[]> {
  const script = `
import sys, json, dns.resolver, spf
r = dns.resolver.Resolver(configure=False); r.nameservers = ["127.0.0.1"]; r.port = ${port}
dns.resolver.default_resolver = r
for l in sys.stdin:
    ip, s = json.loads(l)
    print(spf.check2(i=ip, s=s, h="mx.example.org")[0])`;
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/python3", ["-c", script], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => (code === 0 ? resolve(out.trim().split("\n")) : reject(new Error(err))));
    child.stdin.end(CASES.map((c) => JSON.stringify(c)).join("\n"));
  });
}

const available = peerAvailable(
  "pyspf",
  ["/usr/bin/python3", "-c", "import spf, dns.resolver"],
  "apt install python3-spf python3-dnspython",
);

(available ? describe : describe.skip)("interop with pyspf over the loopback DNS server", () => {
  let server: DnsServer;
  beforeAll(async () => {
    server = await startDnsServer(ZONE);
  });
  afterAll(async () => server.close());

  it("gives the same result as pyspf for every case", async () => {
    const theirs = await pyspf(server.port);
    const resolver = nodeResolver({ servers: [server.spec], timeoutMs: 1000, tries: 1 });
    const ours: string[] = [];
    for (const [ip, sender] of CASES) {
      const [r] = await checkSpf({ ip, sender, helo: "mx.example.org", resolver });
      ours.push(r!.outcome.result);
    }
    const rows = CASES.map(([ip, s], i) => `${ip} ${s}: spfdk=${ours[i]} pyspf=${theirs[i]}`);
    expect(rows).toEqual(CASES.map(([ip, s], i) => `${ip} ${s}: spfdk=${ours[i]} pyspf=${ours[i]}`));
    expect(new Set(ours).size).toBeGreaterThanOrEqual(5); // the cases cover most results
  });
});
