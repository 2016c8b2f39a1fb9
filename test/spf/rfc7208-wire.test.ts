/**
 * The RFC 7208 suite over the wire: each scenario's zonedata is served by the loopback dns2 server
 * (startDnsServer on 127.0.0.1) and checked through the real client (nodeResolver). This covers
 * the path production uses (c-ares, TXT chunk joining, NXDOMAIN vs NODATA, timeouts).
 * `SPFDK_CASE=<name>` runs one case.
 *
 * Not run here (they run in rfc7208-suite.test.ts), each because the zone cannot be served as the
 * suite means it, listed by WIRE_SKIPS below:
 * - cases that need an answer for a name Node's c-ares client will not send (EBADNAME: ':', '/',
 *   spaces). spfdk treats such a name as non-existent, so these get "no match" on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ZoneData, ZoneNode } from "../../src/dns/static-resolver.js";
import { nodeResolver } from "../../src/dns/node-resolver.js";
import { startDnsServer, type DnsServer } from "../helpers/dns-server.js";
import { conformancePath } from "../helpers/shared.js";
import { buildZone, loadSuite, runSuiteTest, type SuiteScenario } from "./suite-zone.js";

const COLON = "the name holds ':' and '/': c-ares refuses to send it (EBADNAME), so it cannot match";
const WIRE_SKIPS: Record<string, string> = {
  "a-colon-domain": COLON,
  "a-colon-domain-ip4mapped": COLON,
  "mx-colon-domain": COLON,
  "mx-colon-domain-ip4mapped": COLON,
  "macro-mania-in-domain": "the expanded name holds spaces and '%': c-ares refuses to send it (EBADNAME)",
};

/** The suite zone as ZoneData for the loopback server (names only TIMEOUT become "TIMEOUT"). */
function toZoneData(zonedata: SuiteScenario["zonedata"]): ZoneData {
  const out: ZoneData = {};
  for (const [name, node] of buildZone(zonedata)) {
    const z: ZoneNode = {};
    // Types listed before the suite's TIMEOUT marker are answered; the others time out.
    if (node.timeout && node.timeout.size > 0) {
      z.errors = Object.fromEntries([...node.timeout].map((t) => [t, "TIMEOUT"]));
    }
    if (node.TXT.length) z.TXT = node.TXT;
    if (node.A.length) z.A = node.A;
    if (node.AAAA.length) z.AAAA = node.AAAA;
    if (node.MX.length) z.MX = node.MX;
    if (node.PTR.length) z.PTR = node.PTR;
    if (node.cname) z.CNAME = node.cname;
    out[name] = z;
  }
  return out;
}

const path = conformancePath("spf/rfc7208-tests.yml");
const only = process.env.SPFDK_CASE;

describe("RFC 7208 suite through dns2 on 127.0.0.1 and the real client", () => {
  if (!path) {
    it("is skipped: ../shared/conformance is missing", () => expect(path).toBeNull());
    return;
  }
  const scenarios = loadSuite(path);
  let passed = 0;
  let ran = 0;
  for (const [i, scenario] of scenarios.entries()) {
    describe(scenario.description, () => {
      let server: DnsServer;
      beforeAll(async () => {
        server = await startDnsServer(toZoneData(scenario.zonedata));
      });
      afterAll(async () => server.close());
      for (const t of scenario.tests) {
        if (only && t.name !== only) continue;
        if (WIRE_SKIPS[t.name]) {
          it.skip(`${t.name} (not on the wire: ${WIRE_SKIPS[t.name]})`, () => undefined);
          continue;
        }
        it(`${i + 1} / ${t.name}`, async () => {
          ran++;
          const resolver = nodeResolver({ servers: [server.spec], timeoutMs: 300, tries: 1 });
          const outcome = await runSuiteTest(t, scenario.zonedata, resolver);
          const want = Array.isArray(t.result) ? t.result : [t.result];
          expect(want).toContain(outcome.result);
          if (t.explanation !== undefined)
            expect("explanation" in outcome && outcome.explanation).toBe(t.explanation);
          passed++;
        });
      }
    });
  }
  afterAll(() => {
    process.stdout.write(
      `RFC 7208 suite over the wire: ${passed}/${ran} passed, ${Object.keys(WIRE_SKIPS).length} not run on the wire\n`,
    );
  });
});
