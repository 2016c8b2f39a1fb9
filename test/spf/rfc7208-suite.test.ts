/**
 * The open-spf.org RFC 7208 conformance suite (../shared/conformance/spf/rfc7208-tests.yml, 203
 * tests), run through an in-memory resolver built from each scenario's zonedata. A result list
 * means any listed result passes; `explanation` is compared when given ("DEFAULT" = our default).
 * `SPFDK_CASE=<name>` runs one case.
 *
 * Skipped cases: none. (Any future skip must be listed in SKIPS below with its reason.)
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { conformancePath } from "../helpers/shared.js";
import { loadSuite, runSuiteTest } from "./suite-zone.js";

/** Test name -> reason it is skipped. Empty: all 203 run. */
const SKIPS: Record<string, string> = {};

const path = conformancePath("spf/rfc7208-tests.yml");
const only = process.env.SPFDK_CASE;

const tally = { passed: 0, failed: [] as string[] };

describe("RFC 7208 conformance suite (in-memory zone)", () => {
  if (!path) {
    it("is skipped: ../shared/conformance is missing", () => expect(path).toBeNull());
    return;
  }
  const scenarios = loadSuite(path);
  const all = scenarios.flatMap((s) => s.tests.map((t) => ({ t, zonedata: s.zonedata })));
  it("has 203 tests", () => expect(all.length).toBe(203));
  for (const { t, zonedata } of all) {
    if (only && t.name !== only) continue;
    const skip = SKIPS[t.name];
    if (skip) {
      it.skip(`${t.name} (skipped: ${skip})`, () => undefined);
      continue;
    }
    it(`${t.scenario} / ${t.name}`, async () => {
      const outcome = await runSuiteTest(t, zonedata);
      const want = Array.isArray(t.result) ? t.result : [t.result];
      const got = {
        result: outcome.result,
        explanation: "explanation" in outcome ? outcome.explanation : undefined,
      };
      const ok =
        want.includes(got.result) && (t.explanation === undefined || got.explanation === t.explanation);
      if (ok) tally.passed++;
      else tally.failed.push(`${t.name}: want ${want.join("|")} got ${JSON.stringify(outcome)}`);
      expect(want).toContain(got.result);
      if (t.explanation !== undefined) expect(got.explanation).toBe(t.explanation);
    });
  }
  afterAll(() => {
    process.stdout.write(
      `RFC 7208 suite: ${tally.passed} passed, ${tally.failed.length} failed, ${Object.keys(SKIPS).length} skipped\n` +
        tally.failed.map((f) => `  FAIL ${f}\n`).join(""),
    );
  });
});
