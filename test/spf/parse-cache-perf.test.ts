/**
 * The speed-ups of the SPF hot path must not change any result: the parse cache (shared by the
 * checks of a `--batch` run), the caching resolver's synchronous `peek`, and the hand-written
 * IPv4 parser. Each is compared with the plain path on the RFC 7208 suite scenarios.
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { Readable } from "node:stream";
import { cachingResolver } from "../../src/dns/caching-resolver.js";
import type { Resolver } from "../../src/dns/resolver.js";
import { staticResolver } from "../../src/dns/static-resolver.js";
import type { SpfTraceEvent } from "../../src/spf/check-state.js";
import { checkSpf } from "../../src/spf/identities.js";
import { parseIp4 } from "../../src/spf/ip-address.js";
import {
  createParseCache,
  PARSE_CACHE_LIMIT,
  parseRecordCached,
  type ParseCache,
} from "../../src/spf/parse-cache.js";
import { runBatch } from "../../src/cli/spf-batch.js";
import { conformancePath } from "../helpers/shared.js";
import { loadSuite, suiteResolver, type SuiteTest } from "./suite-zone.js";

type Case = { t: SuiteTest; zonedata: Parameters<typeof suiteResolver>[0] };

async function run(c: Case, extra: { parseCache?: ParseCache; resolver?: Resolver; trace?: boolean }) {
  const events: SpfTraceEvent[] = [];
  const [first] = await checkSpf({
    ip: c.t.host,
    sender: c.t.mailfrom,
    helo: c.t.helo,
    resolver: extra.resolver ?? suiteResolver(c.zonedata),
    defaultExplanation: "DEFAULT",
    now: () => new Date("2026-11-25T12:00:00Z"),
    ...(extra.parseCache ? { parseCache: extra.parseCache } : {}),
    ...(extra.trace ? { trace: (e: SpfTraceEvent) => events.push(e) } : {}),
  });
  return { outcome: first!.outcome, events };
}

const path = conformancePath("spf/rfc7208-tests.yml");

describe("parse cache and peek give the same results as the plain path", () => {
  if (!path) {
    it("is skipped: ../shared/conformance is missing", () => expect(path).toBeNull());
    return;
  }
  const cases: Case[] = loadSuite(path).flatMap((s) => s.tests.map((t) => ({ t, zonedata: s.zonedata })));

  it("every RFC 7208 suite case, one cache shared by all scenarios, used twice", async () => {
    const cache = createParseCache();
    for (const c of cases) {
      const plain = await run(c, {});
      const cold = await run(c, { parseCache: cache });
      const warm = await run(c, { parseCache: cache });
      expect({ name: c.t.name, ...cold }).toEqual({ name: c.t.name, ...plain });
      expect({ name: c.t.name, ...warm }).toEqual({ name: c.t.name, ...plain });
    }
    expect(cache.records.size).toBeGreaterThan(50); // the cache was really used
  });

  it("traces are the same with the cache and through a warm caching resolver (peek)", async () => {
    const cache = createParseCache();
    for (const c of cases.filter((_, i) => i % 3 === 0)) {
      const plain = await run(c, { trace: true });
      const warm = cachingResolver(suiteResolver(c.zonedata), { now: () => 0 });
      await run(c, { resolver: warm }); // fills the DNS cache
      const fast = await run(c, { parseCache: cache, resolver: warm, trace: true });
      expect({ name: c.t.name, ...fast }).toEqual({ name: c.t.name, ...plain });
    }
  });
});

describe("warm-cache fast path (a/mx decided without awaits) gives the same outcomes", () => {
  if (!path) {
    it("is skipped: ../shared/conformance is missing", () => expect(path).toBeNull());
    return;
  }
  const cases: Case[] = loadSuite(path).flatMap((s) => s.tests.map((t) => ({ t, zonedata: s.zonedata })));
  it("every RFC 7208 suite case through a warm caching resolver, without trace", async () => {
    const cache = createParseCache();
    for (const c of cases) {
      const plain = await run(c, {});
      const warm = cachingResolver(suiteResolver(c.zonedata), { now: () => 0 });
      await run(c, { resolver: warm });
      const fast = await run(c, { parseCache: cache, resolver: warm });
      expect({ name: c.t.name, ...fast }).toEqual({ name: c.t.name, ...plain });
    }
  });
});

describe("parse cache isolation", () => {
  it("a new cache starts empty and is not filled by checks using another one", async () => {
    const a = createParseCache();
    const b = createParseCache();
    const resolver = staticResolver({ "example.com": { TXT: ["v=spf1 ip4:192.0.2.0/24 -all"] } });
    await checkSpf({ ip: "192.0.2.1", sender: "x@example.com", resolver, parseCache: a });
    expect(a.records.size).toBe(1);
    expect([b.records.size, b.macros.size, b.domains.size]).toEqual([0, 0, 0]);
  });

  it("is keyed by record text, so the same name with a new record gives the new result", async () => {
    const cache = createParseCache();
    const check = (txt: string) =>
      checkSpf({
        ip: "192.0.2.1",
        sender: "x@example.com",
        resolver: staticResolver({ "example.com": { TXT: [txt] } }),
        parseCache: cache,
      });
    expect((await check("v=spf1 ip4:192.0.2.1 -all"))[0]!.outcome.result).toBe("pass");
    expect((await check("v=spf1 -all"))[0]!.outcome.result).toBe("fail");
    expect((await check("v=spf1 ip4:192.0.2.1 -all"))[0]!.outcome.result).toBe("pass");
  });

  it("stays bounded: a full table is emptied before it grows past the limit", () => {
    const cache = createParseCache();
    for (let i = 0; i <= PARSE_CACHE_LIMIT; i++)
      parseRecordCached(cache, `v=spf1 ip4:10.0.0.${i % 256}/${i % 33} -all x${i}=y`);
    expect(cache.records.size).toBeLessThanOrEqual(PARSE_CACHE_LIMIT);
    expect(cache.records.size).toBeGreaterThan(0);
  });

  it("two --batch runs each get their own cache: the second sees the second zone's records", async () => {
    const batch = async (txt: string) => {
      let out = "";
      const ctx = {
        stdout: (s: string) => (out += s),
        stdin: () => Readable.from([Buffer.from('{"ip":"192.0.2.1","sender":"x@example.com"}\n')]),
        now: () => new Date("2026-11-25T12:00:00Z"),
      } as unknown as Parameters<typeof runBatch>[0];
      await runBatch(ctx, "-", {
        resolver: staticResolver({ "example.com": { TXT: [txt], ttl: 3600 } }),
        receiver: "test",
        voidLimit: 2,
        dualStackVoids: false,
        timeBudgetMs: 20_000,
        now: ctx.now,
        scope: "mfrom",
        concurrency: 4,
      });
      return (JSON.parse(out) as { results: { result: string }[] }).results[0]!.result;
    };
    expect(await batch("v=spf1 ip4:192.0.2.1 -all")).toBe("pass");
    expect(await batch("v=spf1 ~all")).toBe("softfail");
  });
});

describe("parseIp4 (character loop) agrees with the RFC 7208 §5.6 qnum grammar", () => {
  const QNUM = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
  const REF = new RegExp(`^${QNUM}\\.${QNUM}\\.${QNUM}\\.${QNUM}$`);
  const reference = (s: string) => {
    const m = REF.exec(s);
    return m ? m.slice(1).map(Number) : null;
  };
  const parsed = (s: string) => {
    const b = parseIp4(s);
    return b ? Array.from(b) : null;
  };

  it("on fixed edge cases", () => {
    for (const s of [
      "0.0.0.0",
      "255.255.255.255",
      "01.2.3.4",
      "1.2.3",
      "1.2.3.4.",
      ".1.2.3.4",
      "256.1.1.1",
      "1..2.3",
      "1.2.3.4 ",
      "1.2.3.04",
    ]) {
      expect([s, parsed(s)]).toEqual([s, reference(s)]);
    }
  });

  it("on random strings over digits and dots", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9.]{0,17}$/), (s) => {
        expect(parsed(s)).toEqual(reference(s));
      }),
      { numRuns: 3000 },
    );
  });
});
