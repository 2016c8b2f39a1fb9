/**
 * The older RFC 4408 suite (../shared/conformance/spf/rfc4408-tests.yml, 191 tests), run with the
 * same in-memory resolver as the RFC 7208 suite. spfdk implements RFC 7208 only; where RFC 7208
 * changed the answer the 4408 file lists several results, and KNOWN_DIFFERENCES below pins the
 * RFC 7208 answer we give, with the reason. `SPFDK_CASE=<name>` runs one case.
 *
 * Skipped cases: none.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { conformancePath } from "../helpers/shared.js";
import { loadSuite, runSuiteTest } from "./suite-zone.js";

const TYPE99 = "RFC 7208 §3.1/§4.4 dropped the type-99 SPF RR: only TXT is queried";

/** Cases whose RFC 4408 answer differs from RFC 7208: the answer spfdk gives, and why. */
const KNOWN_DIFFERENCES: Record<string, { rfc7208: string; reason: string }> = {
  txtonly: { rfc7208: "fail", reason: TYPE99 },
  spfonly: { rfc7208: "none", reason: `${TYPE99}; a name with only a type-99 record has no SPF record` },
  spftimeout: { rfc7208: "fail", reason: `${TYPE99}; a timeout on type 99 cannot matter` },
  txttimeout: { rfc7208: "temperror", reason: `${TYPE99}; the TXT timeout decides` },
  nospftxttimeout: { rfc7208: "temperror", reason: `${TYPE99}; the TXT timeout decides` },
  spfoverride: { rfc7208: "fail", reason: `${TYPE99}; the TXT record is used, not the type-99 one` },
  multitxt1: { rfc7208: "permerror", reason: `${TYPE99}; two TXT SPF records are a permerror (§4.5)` },
  multispf2: { rfc7208: "pass", reason: `${TYPE99}; two type-99 records are never seen` },
  "exists-dnserr": {
    rfc7208: "temperror",
    reason: "RFC 7208 §5: a DNS error during a mechanism is temperror",
  },
  "cidr6-0-ip4": { rfc7208: "neutral", reason: "RFC 7208 §5.6: ip6 never matches an IPv4 client" },
  "cidr6-ip4": { rfc7208: "neutral", reason: "RFC 7208 §5.6: ip6 never matches an IPv4 client" },
  "mx-limit": { rfc7208: "permerror", reason: "RFC 7208 §4.6.4: more than 10 MX names is a permerror" },
  "invalid-domain-empty-label": {
    rfc7208: "fail",
    reason: "both files accept fail and permerror; RFC 7208 prefers fail",
  },
  "invalid-domain-long": {
    rfc7208: "fail",
    reason: "both files accept fail and permerror; RFC 7208 prefers fail",
  },
  "invalid-domain-long-via-macro": {
    rfc7208: "fail",
    reason: "both files accept fail and permerror; RFC 7208 prefers fail",
  },
};

const path = conformancePath("spf/rfc4408-tests.yml");
const only = process.env.SPFDK_CASE;
const tally = { passed: 0, failed: [] as string[] };

describe("RFC 4408 conformance suite (in-memory zone)", () => {
  if (!path) {
    it("is skipped: ../shared/conformance is missing", () => expect(path).toBeNull());
    return;
  }
  const all = loadSuite(path).flatMap((s) => s.tests.map((t) => ({ t, zonedata: s.zonedata })));
  it("has 191 tests", () => expect(all.length).toBe(191));
  for (const { t, zonedata } of all) {
    if (only && t.name !== only) continue;
    const diff = KNOWN_DIFFERENCES[t.name];
    it(`${t.scenario} / ${t.name}${diff ? ` (RFC 7208: ${diff.rfc7208})` : ""}`, async () => {
      const outcome = await runSuiteTest(t, zonedata);
      const want = Array.isArray(t.result) ? t.result : [t.result];
      const explanation = "explanation" in outcome ? outcome.explanation : undefined;
      const ok =
        want.includes(outcome.result) &&
        (!diff || outcome.result === diff.rfc7208) &&
        (t.explanation === undefined || explanation === t.explanation);
      if (ok) tally.passed++;
      else tally.failed.push(`${t.name}: want ${want.join("|")} got ${JSON.stringify(outcome)}`);
      expect(want).toContain(outcome.result);
      if (diff) expect(outcome.result).toBe(diff.rfc7208);
      if (t.explanation !== undefined) expect(explanation).toBe(t.explanation);
    });
  }
  afterAll(() => {
    process.stdout.write(
      `RFC 4408 suite: ${tally.passed} passed, ${tally.failed.length} failed, 0 skipped, ` +
        `${Object.keys(KNOWN_DIFFERENCES).length} answered as RFC 7208 says\n` +
        tally.failed.map((f) => `  FAIL ${f}\n`).join(""),
    );
  });
});
